using System;
using System.CommandLine;
using TorchLip.Cli.Jobs;

namespace TorchLip.Cli.Commands;

/// <summary>The <c>export</c> command: parses the options and runs <see cref="ExportJob"/>.</summary>
public static class ExportCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var checkpoint = new Argument<string>("CHECKPOINT") { Description = $"A training command's output directory (its {JobCheckpoint.FileName}) or the checkpoint file." };
        var pth = new Option<string?>("--pth") { Description = "Write the exported plain model as a PyTorch state_dict (torch.load + load_state_dict into an nn.Sequential of the same layers)." };
        var safetensors = new Option<string?>("--safetensors") { Description = "Write the exported plain model as a .safetensors file (the same keys)." };
        var onnx = new Option<string?>("--onnx") { Description = "Write the model as ONNX (opset 17), its certified Lipschitz bound in the metadata (torchlip.lipschitz_upper_bound)." };
        var deel = new Option<string?>("--deel-torchlip") { Description = "Write the Lipschitz model as a deel-torchlip 1.0.5 state_dict, to continue training in Python." };
        var command = new Command("export", "Write a trained model (from a training command's checkpoint) as PyTorch .pth, .safetensors, ONNX or deel-torchlip files.")
        {
            checkpoint, pth, safetensors, onnx, deel,
        };
        command.SetAction(parse => JobRunner.Execute("export", () => ExportJob.Run(new ExportOptions
        {
            Checkpoint = parse.GetValue(checkpoint)!,
            Pth = parse.GetValue(pth),
            Safetensors = parse.GetValue(safetensors),
            Onnx = parse.GetValue(onnx),
            DeelTorchlip = parse.GetValue(deel),
        }, Console.Out), Console.Error));
        return command;
    }
}
