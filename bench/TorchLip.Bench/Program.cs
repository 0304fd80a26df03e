using System;
using TorchLip.Bench.Cli;
using TorchLip.Bench.Micro;
using TorchLip.Bench.Suites;
using TorchLip.Bench.Workloads;

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine("error: " + e.Message);
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

try
{
    switch (options.Command)
    {
        case BenchCommand.Help:
            Console.WriteLine(BenchOptions.Usage);
            return 0;
        case BenchCommand.Micro:
            return MicroRunner.Run(options.MicroArgs);
        case BenchCommand.Profile:
            return ProfileRun.Run(options);
        case BenchCommand.Conv:
            return ConvRun.Run(options);
        default:
            return DefaultRun.Run(options);
    }
}
catch (DataUnavailableException e)
{
    Console.Error.WriteLine("error: " + e.Message);
    return 1;
}
