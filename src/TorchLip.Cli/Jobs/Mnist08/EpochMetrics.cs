using System.Collections.Generic;
using TorchLip.Cli.Output;
using TorchLip.Training;

namespace TorchLip.Cli.Jobs;

/// <summary>One epoch's figures, Keras style: training means over the epoch's batches, validation on the test set.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="Loss">Mean HKR loss over the training batches (train mode).</param>
/// <param name="Kr">Mean KR loss (Wasserstein estimate) over the training batches.</param>
/// <param name="Acc">Mean training accuracy over the batches.</param>
/// <param name="ValLoss">HKR loss on the whole test set (eval mode).</param>
/// <param name="ValKr">KR loss on the whole test set.</param>
/// <param name="ValAcc">Accuracy on the whole test set.</param>
/// <param name="Seconds">Wall time of the epoch (training and validation).</param>
/// <param name="RssMb">Resident memory of the process at the end of the epoch, in MiB (to see that memory stays flat).</param>
public sealed record EpochMetrics(int Epoch, double Loss, double Kr, double Acc, double ValLoss, double ValKr, double ValAcc, double Seconds, double RssMb)
{
    /// <summary>The row of a trainer's epoch record with the columns loss, KR, acc (train and validation).</summary>
    /// <param name="record">The trainer's record (with a validation set).</param>
    /// <param name="seconds">The epoch's wall time.</param>
    /// <param name="rssMb">Resident memory at its end.</param>
    public static EpochMetrics From(EpochRecord record, double seconds, double rssMb)
    {
        var v = record.Validation ?? throw new System.ArgumentException("The mnist08 epoch row needs the validation figures.", nameof(record));
        return new EpochMetrics(record.Epoch, record.Train["loss"], record.Train["KR"], record.Train["acc"], v["loss"], v["KR"], v["acc"], seconds, rssMb);
    }

    /// <summary>The figures by column name (train: loss, KR, acc; validation: val_loss, val_KR, val_acc), for plots.</summary>
    public TrainingPlot.Row ToColumns() => new(Epoch, new Dictionary<string, double>
    {
        ["loss"] = Loss, ["KR"] = Kr, ["acc"] = Acc, ["val_loss"] = ValLoss, ["val_KR"] = ValKr, ["val_acc"] = ValAcc,
    });
}
