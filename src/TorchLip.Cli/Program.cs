using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using TorchLip.Cli.Commands;

// A plain Command rather than RootCommand, whose name would be the assembly's (TorchLip.Cli), not the tool's.
var root = new Command("torchlip", "Jobs of TorchLip.NET, 1-Lipschitz neural networks on TorchSharp.")
{
    new HelpOption(),
    new VersionOption(),
    Mnist08Command.Create(),
    WassersteinToyCommand.Create(),
    MoonsCommand.Create(),
};
var parse = root.Parse(args);
// A parse error prints its one-line message; the full help would bury it.
if (parse.Action is ParseErrorAction onError) onError.ShowHelp = false;
return parse.Invoke();
