// Entry point: replaced by the CLI (check-config, status, console) in the foundation work.
return 0;
