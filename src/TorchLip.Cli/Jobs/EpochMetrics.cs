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
public sealed record EpochMetrics(int Epoch, double Loss, double Kr, double Acc, double ValLoss, double ValKr, double ValAcc, double Seconds, double RssMb);
