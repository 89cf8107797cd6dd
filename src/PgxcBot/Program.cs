using PgxcBot.Cli;

// Everything lives in CliApp so that tests run the same entry in-process. Ctrl+C, SIGTERM and a closed
// terminal cancel the run: the console ends and a lab is torn down before the process exits.
using var signals = new CliSignals();
return await CliApp.RunAsync(args, CliIo.FromConsole(), cancellationToken: signals.Stopping);
