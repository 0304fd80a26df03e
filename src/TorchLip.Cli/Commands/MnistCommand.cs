using System;
using System.CommandLine;
using TorchLip.Cli.Jobs;

namespace TorchLip.Cli.Commands;

/// <summary>The <c>mnist</c> command: parses the options and runs <see cref="MnistJob"/>.</summary>
public static class MnistCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var defaults = new MnistOptions();
        var common = new CommonOptions(defaults,
            "weight initialization, batch order and the attack's fallback directions", "model.dat, report.json, training.png and robustness.png");
        var batchSize = new Option<int>("--batch-size") { Description = "Images per training step.", DefaultValueFactory = _ => defaults.BatchSize };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => defaults.LearningRate };
        var tau = new Option<double>("--tau")
        {
            Description = "Loss: tau-cross-entropy, cross_entropy(tau*f, y)/tau (deel-torchlip's TauCrossEntropyLoss). It trains accuracy like a cross-entropy while its temperature sets the margin it asks for: it stops pushing once tau*margin is a few units, so a smaller tau gives larger margins, hence certificates (margin/sqrt2 here), for some clean accuracy.",
            DefaultValueFactory = _ => defaults.Tau,
        };
        var loss = new Option<string>("--loss")
        {
            Description = "Loss: tau-ce (tau-cross-entropy, --tau), margin-ce (Lipschitz-margin training: tau-cross-entropy of f minus --min-margin on the true class's logit, so it pushes each margin past --min-margin; --tau, --min-margin) or hkr (deel-torchlip's HKRMulticlassLoss, --alpha, --min-margin).",
            DefaultValueFactory = _ => defaults.Loss,
        };
        var alpha = new Option<double>("--alpha") { Description = "HKR loss: weight of the hinge term in [0, 1] (the rest is -KR).", DefaultValueFactory = _ => defaults.Alpha };
        var minMargin = new Option<double>("--min-margin") { Description = "margin-ce and hkr losses: the margin in logit space they ask for; a certificate at eps needs a margin above eps*sqrt2 (2.24 at eps 1.58).", DefaultValueFactory = _ => defaults.MinMargin };
        var network = new Option<string>("--network")
        {
            Description = "The network: strided (3x3 convolution, then two 4x4 convolutions at stride 2; GroupSort2; a hidden dense layer; an orthogonal last layer) or pooled (the docs' Example 4: two 3x3 convolutions, each followed by an L2-norm pooling).",
            DefaultValueFactory = _ => defaults.Network,
        };
        var channels = new Option<int>("--channels") { Description = "Channels of the first convolution (the others have twice as many).", DefaultValueFactory = _ => defaults.Channels };
        var hidden = new Option<int>("--hidden") { Description = "Width of the hidden dense layer.", DefaultValueFactory = _ => defaults.Hidden };
        var finalLr = new Option<double>("--final-lr-factor") { Description = "The learning rate decays linearly, step by step, to this fraction of --lr at the last step (1: constant).", DefaultValueFactory = _ => defaults.FinalLrFactor };
        var attackSamples = new Option<int>("--attack-samples") { Description = "Test images attacked by the minimal L2 attack (the first ones).", DefaultValueFactory = _ => defaults.AttackSamples };
        var attackSteps = new Option<int>("--attack-steps") { Description = "PGD steps per radius of the attack.", DefaultValueFactory = _ => defaults.AttackSteps };
        var attackRounds = new Option<int>("--attack-rounds") { Description = "Radius updates per image of the attack.", DefaultValueFactory = _ => defaults.AttackRounds };
        var trainSamples = new Option<int>("--train-samples") { Description = "Training images used, the first ones (0: all 60000).", DefaultValueFactory = _ => 0 };
        var testSamples = new Option<int>("--test-samples") { Description = "Test images used, the first ones (0: all 10000).", DefaultValueFactory = _ => 0 };
        var dataDir = new Option<string?>("--data-dir") { Description = "MNIST directory (default: $TORCHLIP_DATA_DIR, else ~/.cache/torchlip/mnist); missing files are downloaded." };

        var command = new Command("mnist", "Train a convolutional 1-Lipschitz classifier on all ten MNIST digits; report its clean and certified accuracy, and check the certificates with an L2 attack.")
        {
            batchSize, lr, tau, loss, alpha, minMargin, network, channels, hidden, finalLr, attackSamples, attackSteps, attackRounds, trainSamples, testSamples, dataDir,
        };
        common.AddTo(command);
        command.SetAction(parse => JobRunner.Execute("mnist", () => MnistJob.Run(common.Apply(new MnistOptions
        {
            BatchSize = parse.GetValue(batchSize),
            LearningRate = parse.GetValue(lr),
            Tau = parse.GetValue(tau),
            Loss = parse.GetValue(loss)!,
            Alpha = parse.GetValue(alpha),
            MinMargin = parse.GetValue(minMargin),
            Network = parse.GetValue(network)!,
            Channels = parse.GetValue(channels),
            Hidden = parse.GetValue(hidden),
            FinalLrFactor = parse.GetValue(finalLr),
            AttackSamples = parse.GetValue(attackSamples),
            AttackSteps = parse.GetValue(attackSteps),
            AttackRounds = parse.GetValue(attackRounds),
            TrainSamples = parse.GetValue(trainSamples),
            TestSamples = parse.GetValue(testSamples),
            DataDir = parse.GetValue(dataDir),
        }, parse), Console.Out), Console.Error));
        return command;
    }
}
