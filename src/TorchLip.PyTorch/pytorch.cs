using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using TorchLip.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.PyTorch
{
    /// <summary>
    /// PyTorch files for TorchLip models: a plain (exported) model's state as a PyTorch <c>.pth</c> state_dict or a
    /// <c>.safetensors</c> file, both ways, and deel-torchlip 1.0.5 state_dicts imported into (and exported from) a
    /// TorchLip Lipschitz model. Keys are TorchSharp's, which are PyTorch's for the same layers (a Sequential's children
    /// are "0", "1", ...). Every load is strict: a file that does not fit the model is an error naming the keys and
    /// shapes that differ and the likely cause, and nothing is loaded.
    /// </summary>
    /// <remarks>
    /// A static class of its own (not members of <see cref="torchlip"/>): <c>torchlip</c> lives in the core assembly,
    /// which depends on TorchSharp only; this assembly adds TorchSharp.PyBridge. Call <c>pytorch.save_pth(...)</c>, or
    /// <c>using static TorchLip.PyTorch.pytorch;</c> and <c>save_pth(...)</c>.
    /// </remarks>
    public static class pytorch
    {
        /// <summary>
        /// Writes a plain model's state (e.g. <c>model.vanilla_export()</c>) as a PyTorch state_dict that
        /// <c>model.load_state_dict(torch.load(path))</c> reads into a PyTorch model with the same layers. The file is
        /// written to a temporary name first, then renamed.
        /// </summary>
        /// <param name="module">A plain module: no TorchLip constrained layer (export it first).</param>
        /// <param name="path">The <c>.pth</c> file to write (replaced if it exists).</param>
        /// <exception cref="ArgumentException">The module holds a constrained layer, whose raw weight is not the weight it applies.</exception>
        public static void save_pth(nn.Module module, string path)
        {
            CheckPlain(module, nameof(save_pth));
            StateDictFiles.WritePth(module.state_dict(), path);
        }

        /// <summary>Writes a plain model's state (e.g. <c>model.vanilla_export()</c>) as a <c>.safetensors</c> file (same keys as <see cref="save_pth"/>).</summary>
        /// <param name="module">A plain module: no TorchLip constrained layer (export it first).</param>
        /// <param name="path">The <c>.safetensors</c> file to write (replaced if it exists).</param>
        /// <exception cref="ArgumentException">The module holds a constrained layer.</exception>
        public static void save_safetensors(nn.Module module, string path)
        {
            CheckPlain(module, nameof(save_safetensors));
            StateDictFiles.WriteSafetensors(module.state_dict(), path);
        }

        /// <summary>
        /// Loads a PyTorch state_dict (<c>torch.save(model.state_dict(), path)</c>) into <paramref name="module"/>, strictly:
        /// the same keys and shapes, or an <see cref="InvalidDataException"/> naming what differs (nothing is loaded then).
        /// Floating-point tensors are converted to the module's dtype, as PyTorch's <c>load_state_dict</c> does.
        /// </summary>
        /// <typeparam name="T">The module's type.</typeparam>
        /// <param name="module">The model, built with the same layers as the one saved.</param>
        /// <param name="path">The <c>.pth</c> file.</param>
        /// <returns><paramref name="module"/>.</returns>
        public static T load_pth<T>(T module, string path) where T : nn.Module
        {
            ArgumentNullException.ThrowIfNull(module);
            using var scope = torch.NewDisposeScope();
            var source = StateDictFiles.ReadPth(path);
            StateDictLoader.Load(module, source, path);
            return module;
        }

        /// <summary>Loads a <c>.safetensors</c> file into <paramref name="module"/>, strictly (see <see cref="load_pth{T}"/>).</summary>
        /// <typeparam name="T">The module's type.</typeparam>
        /// <param name="module">The model, built with the same layers as the one saved.</param>
        /// <param name="path">The <c>.safetensors</c> file.</param>
        /// <returns><paramref name="module"/>.</returns>
        public static T load_safetensors<T>(T module, string path) where T : nn.Module
        {
            ArgumentNullException.ThrowIfNull(module);
            using var scope = torch.NewDisposeScope();
            var source = StateDictFiles.ReadSafetensors(path);
            StateDictLoader.Load(module, source, path);
            return module;
        }

        /// <summary>The tensors of a PyTorch <c>.pth</c> state_dict by key (new CPU tensors, in the current dispose scope if there is one).</summary>
        /// <param name="path">The file.</param>
        public static Dictionary<string, Tensor> read_pth(string path) => StateDictFiles.ReadPth(path);

        /// <summary>The tensors of a <c>.safetensors</c> file by key (new CPU tensors, in the current dispose scope if there is one).</summary>
        /// <param name="path">The file.</param>
        public static Dictionary<string, Tensor> read_safetensors(string path) => StateDictFiles.ReadSafetensors(path);

        /// <summary>
        /// Imports a deel-torchlip 1.0.5 state_dict (<c>torch.save(model.state_dict(), path)</c>, a <c>.pth</c> file, or a
        /// <c>.safetensors</c> file of the same tensors) into a TorchLip model with the same layers, so that training
        /// continues in .NET: <c>parametrizations.weight.original</c> becomes the raw weight <c>weight_orig</c>; the power
        /// iteration's <c>_u</c>, <c>_v</c> become <c>u</c>, <c>v</c> for layers built with <c>warm_start: false</c> and are
        /// dropped for warm-start layers, whose <c>preconditioner</c> starts from the imported weight; deel-torchlip's cached
        /// Björck result <c>_w_bjorck</c> is dropped (the layer recomputes it). Strict: any key that does not fit is an
        /// <see cref="InvalidDataException"/> naming it and the likely cause, and nothing is loaded.
        /// </summary>
        /// <remarks>
        /// Dense layers then compute what deel-torchlip computes (with <c>warm_start: false</c>, <c>niter_spectral: 1</c>,
        /// <c>eps_bjorck: 1e-3</c>, deel-torchlip's settings). Convolutions get the same raw weight, but TorchLip divides
        /// the orthonormalized kernel by its operator's gain (√ of the largest number of times one input sample is read),
        /// deel-torchlip by <c>compute_lconv_coef</c>'s 1/√(⌈kh/sh⌉·⌈kw/sw⌉): equal for zero padding, different for
        /// reflect padding (4 against 3 for a 3×3 kernel), where deel-torchlip's coefficient is not a bound (README,
        /// "PyTorch files").
        /// </remarks>
        /// <typeparam name="T">The model's type.</typeparam>
        /// <param name="model">The TorchLip model (e.g. <c>torchlip.Sequential(torchlip.SpectralLinear(...), ...)</c>).</param>
        /// <param name="path">The deel-torchlip state_dict.</param>
        /// <returns><paramref name="model"/>.</returns>
        public static T load_deel_torchlip<T>(T model, string path) where T : nn.Module
        {
            ArgumentNullException.ThrowIfNull(model);
            using var scope = torch.NewDisposeScope();
            var source = IsSafetensors(path) ? StateDictFiles.ReadSafetensors(path) : StateDictFiles.ReadPth(path);
            var (mapped, initialised) = DeelTorchlipState.Import(model, source, path);
            StateDictLoader.Load(model, mapped, path, initialised);
            DeelTorchlipState.InitialiseWarmStarts(model, initialised);
            return model;
        }

        /// <summary>
        /// Writes a TorchLip model's state under deel-torchlip 1.0.5's keys (a <c>.pth</c> file, or <c>.safetensors</c> by
        /// the extension), for <c>model.load_state_dict(torch.load(path))</c> into a deel-torchlip model with the same layers
        /// and the same k per layer: the raw weight as <c>parametrizations.weight.original</c>, the power-iteration vectors
        /// as <c>_u</c>, <c>_v</c> (a warm-start layer has none: the exact top singular vectors of its raw weight are
        /// written), and <c>_w_bjorck</c>, which deel-torchlip applies in eval mode, as this layer's applied weight times
        /// its operator gain over k (its orthonormalized kernel).
        /// </summary>
        /// <param name="model">The TorchLip model.</param>
        /// <param name="path">The file to write (replaced if it exists).</param>
        /// <exception cref="NotSupportedException">A transposed convolution (deel-torchlip keeps its vectors otherwise).</exception>
        public static void save_deel_torchlip(nn.Module model, string path)
        {
            ArgumentNullException.ThrowIfNull(model);
            using var scope = torch.NewDisposeScope();
            var state = DeelTorchlipState.Export(model);
            if (IsSafetensors(path)) StateDictFiles.WriteSafetensors(state, path);
            else StateDictFiles.WritePth(state, path);
        }

        private static bool IsSafetensors(string path) => path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase);

        private static void CheckPlain(nn.Module module, string who)
        {
            ArgumentNullException.ThrowIfNull(module);
            var constrained = DeelTorchlipState.ConstrainedLayers(module);
            if (constrained.Count == 0) return;
            var (prefix, layer) = constrained.First();
            throw new ArgumentException(
                $"{who}: layer {(prefix.Length == 0 ? "(root)" : "'" + prefix.TrimEnd('.') + "'")} {layer} is a TorchLip constrained layer: its state holds the raw weight " +
                "(weight_orig), not the weight it applies, so a PyTorch nn.Linear/nn.Conv2d cannot load it. Save model.vanilla_export() instead " +
                "(plain layers with the applied weights), or pytorch.save_deel_torchlip(model, path) for a deel-torchlip model.", nameof(module));
        }
    }
}
