using System;
using System.CommandLine;
using System.CommandLine.Help;
using TorchLip.Cli.Commands;

// A plain Command rather than RootCommand, whose name would be the assembly's (TorchLip.Cli), not the tool's.
var root = new Command("torchlip", "Jobs of TorchLip.NET, 1-Lipschitz neural networks on TorchSharp.")
{
    new HelpOption(),
    new VersionOption(),
    Mnist08Command.Create(),
    WassersteinToyCommand.Create(),
    MoonsCommand.Create(),
    MnistCommand.Create(),
    FashionMnistCommand.Create(),
    ExportCommand.Create(),
    CertifyCommand.Create(),
};
if (args.Length == 0)
{
    root.Parse("--help").Invoke();
    return ExitCodes.UsageError;
}
var parse = root.Parse(args);
// A parse error prints its one-line messages and where to find the usage; the full help would bury them.
if (parse.Errors.Count > 0)
{
    foreach (var error in parse.Errors) Console.Error.WriteLine("torchlip: error: " + error.Message);
    Console.Error.WriteLine("Run 'torchlip --help' (or 'torchlip <command> --help') for the usage.");
    return ExitCodes.UsageError;
}
return parse.Invoke();
