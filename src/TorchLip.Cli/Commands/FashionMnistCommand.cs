using System;
using System.CommandLine;
using TorchLip.Cli.Jobs;

namespace TorchLip.Cli.Commands;

/// <summary>The <c>fashion-mnist</c> command: parses the options and runs <see cref="FashionMnistJob"/>.</summary>
public static class FashionMnistCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var defaults = new FashionMnistOptions();
        var common = new CommonOptions(defaults,
            "weight initialization, batch order and the attack's fallback directions", "model.dat, report.json, training.png, robustness.png and fooling.png");
        var batchSize = new Option<int>("--batch-size") { Description = "Images per training step.", DefaultValueFactory = _ => defaults.BatchSize };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => defaults.LearningRate };
        var alpha = new Option<double>("--alpha") { Description = "LseHKRMulticlassLoss: weight of the hinge term, in [0, 1].", DefaultValueFactory = _ => defaults.Alpha };
        var minMargin = new Option<double>("--min-margin") { Description = "LseHKRMulticlassLoss: the margin.", DefaultValueFactory = _ => defaults.MinMargin };
        var temperature = new Option<double>("--temperature") { Description = "LseHKRMulticlassLoss: temperature of its log-sum-exp maximum.", DefaultValueFactory = _ => defaults.Temperature };
        var attackSamples = new Option<int>("--attack-samples")
        {
            Description = "Test images attacked by the minimal L2 attack, the first ones (0: the whole test set; about 4 min on one thread).",
            DefaultValueFactory = _ => defaults.AttackSamples,
        };
        var attackSteps = new Option<int>("--attack-steps") { Description = "PGD steps per radius of the attack.", DefaultValueFactory = _ => defaults.AttackSteps };
        var attackRounds = new Option<int>("--attack-rounds") { Description = "Radius updates per image of the attack.", DefaultValueFactory = _ => defaults.AttackRounds };
        var foolingImages = new Option<int>("--fooling-images") { Description = "Images in fooling.png (correctly classified, flipped by the attack; the first ones).", DefaultValueFactory = _ => defaults.FoolingImages };
        var trainSamples = new Option<int>("--train-samples") { Description = "Training images used, the first ones (0: all 60000).", DefaultValueFactory = _ => 0 };
        var testSamples = new Option<int>("--test-samples") { Description = "Test images used, the first ones (0: all 10000).", DefaultValueFactory = _ => 0 };
        var dataDir = new Option<string?>("--data-dir") { Description = "Fashion-MNIST directory (default: $TORCHLIP_FASHION_MNIST_DIR, else ~/.cache/torchlip/fashion-mnist); missing files are downloaded." };

        var command = new Command("fashion-mnist", "The docs' Example 4 (HKR multiclass and fooling): train a convolutional 1-Lipschitz classifier on Fashion-MNIST with LseHKRMulticlassLoss; report its accuracy, KR and certified accuracy, check the certificates with an L2 attack and draw test images beside their adversarial twins.")
        {
            batchSize, lr, alpha, minMargin, temperature, attackSamples, attackSteps, attackRounds, foolingImages, trainSamples, testSamples, dataDir,
        };
        common.AddTo(command);
        command.SetAction(parse => JobRunner.Execute("fashion-mnist", () => FashionMnistJob.Run(common.Apply(new FashionMnistOptions
        {
            BatchSize = parse.GetValue(batchSize),
            LearningRate = parse.GetValue(lr),
            Alpha = parse.GetValue(alpha),
            MinMargin = parse.GetValue(minMargin),
            Temperature = parse.GetValue(temperature),
            AttackSamples = parse.GetValue(attackSamples),
            AttackSteps = parse.GetValue(attackSteps),
            AttackRounds = parse.GetValue(attackRounds),
            FoolingImages = parse.GetValue(foolingImages),
            TrainSamples = parse.GetValue(trainSamples),
            TestSamples = parse.GetValue(testSamples),
            DataDir = parse.GetValue(dataDir),
        }, parse), Console.Out), Console.Error));
        return command;
    }
}
