using PgxcBot.Cli;

// Everything lives in CliApp so that tests run the same entry in-process.
return await CliApp.RunAsync(args, CliIo.FromConsole());
