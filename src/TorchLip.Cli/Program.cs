using System.CommandLine;
using System.CommandLine.Invocation;
using TorchLip.Cli.Commands;

var root = new RootCommand("torchlip: jobs of TorchLip.NET, 1-Lipschitz neural networks on TorchSharp.")
{
    Mnist08Command.Create(),
};
var parse = root.Parse(args);
// A parse error prints its one-line message; the full help would bury it.
if (parse.Action is ParseErrorAction onError) onError.ShowHelp = false;
return parse.Invoke();
