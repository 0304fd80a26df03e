using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>
    /// Builds a plain TorchSharp <c>nn.Sequential</c> from a one-line description of its layers, e.g.
    /// <c>"flatten; linear(784, 128); relu; linear(128, 10)"</c>, so that the weights of a model saved without its code
    /// (a PyTorch <c>nn.Sequential</c>'s state_dict) can be loaded into it: the children are named "0", "1", ... as in
    /// PyTorch, and every layer's parameter names are PyTorch's.
    /// </summary>
    /// <remarks>
    /// <para>Grammar: layers separated by <c>;</c> (or new lines); a layer is a name, optionally followed by arguments in
    /// parentheses, positional first, then <c>name=value</c>. Values: integers, numbers, <c>true</c>/<c>false</c>, words or
    /// quoted strings (<c>same</c>, <c>'reflect'</c>), tuples <c>(3, 3)</c>. Names are case-insensitive and may carry
    /// PyTorch's <c>nn.</c> prefix, so <c>nn.Conv2d(1, 16, 3, padding=1)</c> reads as printed by PyTorch.</para>
    /// <para>Layers (PyTorch's argument names and defaults): <c>linear(in_features, out_features, bias=true)</c>;
    /// <c>conv1d</c> / <c>conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
    /// bias=true, padding_mode=zeros)</c> (padding may be <c>same</c> or <c>valid</c>); <c>batchnorm1d</c> /
    /// <c>batchnorm2d(num_features, eps=1e-5, momentum=0.1, affine=true, track_running_stats=true)</c>;
    /// <c>maxpool1d</c> / <c>maxpool2d(kernel_size, stride=kernel_size, padding=0, dilation=1, ceil_mode=false)</c>;
    /// <c>avgpool1d</c> / <c>avgpool2d(kernel_size, stride=kernel_size, padding=0, ceil_mode=false,
    /// count_include_pad=true)</c>; <c>adaptiveavgpool1d</c> / <c>adaptiveavgpool2d(output_size)</c>;
    /// <c>flatten(start_dim=1, end_dim=-1)</c>; <c>dropout(p=0.5)</c>; <c>relu</c>, <c>relu6</c>, <c>tanh</c>,
    /// <c>sigmoid</c>, <c>gelu</c>, <c>silu</c>, <c>identity</c>, <c>leakyrelu(negative_slope=0.01)</c>,
    /// <c>elu(alpha=1)</c>, <c>softplus(beta=1, threshold=20)</c>; and TorchLip's parameter-free layers, which an exported
    /// model keeps: <c>fullsort</c>, <c>groupsort(group_size)</c>, <c>groupsort2</c>, <c>maxmin</c>,
    /// <c>scaledl2normpool2d(kernel_size, stride=kernel_size)</c>.</para>
    /// </remarks>
    public static class PlainArchitecture
    {
        /// <summary>Builds the model described by <paramref name="description"/> (float32, on the CPU).</summary>
        /// <param name="description">The layers, e.g. <c>"conv2d(1, 16, 3, padding=1); relu; maxpool2d(2); flatten; linear(3136, 10)"</c>.</param>
        /// <exception cref="FormatException">The description does not parse or names an unknown layer or argument: the message gives the position, the text found and what was expected.</exception>
        public static TorchSharp.Modules.Sequential Parse(string description)
        {
            ArgumentNullException.ThrowIfNull(description);
            var layers = new Parser(description).Layers();
            var built = new List<(string, nn.Module<Tensor, Tensor>)>();
            try
            {
                for (int i = 0; i < layers.Count; i++) built.Add((i.ToString(CultureInfo.InvariantCulture), Build(description, layers[i])));
            }
            catch
            {
                foreach (var (_, m) in built) m.Dispose();
                throw;
            }
            return nn.Sequential(built);
        }

        /// <summary>The layer names this parser knows.</summary>
        public static IReadOnlyList<string> LayerNames { get; } = new[]
        {
            "linear", "conv1d", "conv2d", "batchnorm1d", "batchnorm2d", "maxpool1d", "maxpool2d", "avgpool1d", "avgpool2d",
            "adaptiveavgpool1d", "adaptiveavgpool2d", "flatten", "dropout", "relu", "relu6", "tanh", "sigmoid", "gelu", "silu",
            "identity", "leakyrelu", "elu", "softplus", "fullsort", "groupsort", "groupsort2", "maxmin", "scaledl2normpool2d",
        };

        private static nn.Module<Tensor, Tensor> Build(string text, LayerCall call)
        {
            var a = new Arguments(text, call);
            nn.Module<Tensor, Tensor> module = call.Name switch
            {
                "linear" => a.Done(nn.Linear(a.Long("in_features"), a.Long("out_features"), a.Bool("bias", true))),
                "conv1d" => Conv1d(a),
                "conv2d" => Conv2d(a),
                "batchnorm1d" => a.Done(nn.BatchNorm1d(a.Long("num_features"), a.Double("eps", 1e-5), a.Double("momentum", 0.1), a.Bool("affine", true), a.Bool("track_running_stats", true))),
                "batchnorm2d" => a.Done(nn.BatchNorm2d(a.Long("num_features"), a.Double("eps", 1e-5), a.Double("momentum", 0.1), a.Bool("affine", true), a.Bool("track_running_stats", true))),
                "maxpool1d" => MaxPool1d(a),
                "maxpool2d" => MaxPool2d(a),
                "avgpool1d" => AvgPool1d(a),
                "avgpool2d" => AvgPool2d(a),
                "adaptiveavgpool1d" => a.Done(nn.AdaptiveAvgPool1d(a.Long("output_size"))),
                "adaptiveavgpool2d" => AdaptiveAvgPool2d(a),
                "flatten" => a.Done(nn.Flatten(a.Long("start_dim", 1), a.Long("end_dim", -1))),
                "dropout" => a.Done(nn.Dropout(a.Double("p", 0.5))),
                "relu" => a.Done(nn.ReLU()),
                "relu6" => a.Done(nn.ReLU6()),
                "tanh" => a.Done(nn.Tanh()),
                "sigmoid" => a.Done(nn.Sigmoid()),
                "gelu" => a.Done(nn.GELU()),
                "silu" => a.Done(nn.SiLU()),
                "identity" => a.Done(nn.Identity()),
                "leakyrelu" => a.Done(nn.LeakyReLU(a.Double("negative_slope", 0.01))),
                "elu" => a.Done(nn.ELU(a.Double("alpha", 1.0))),
                "softplus" => a.Done(nn.Softplus(a.Double("beta", 1.0), a.Double("threshold", 20.0))),
                // TorchLip's parameter-free layers, as vanilla_export() keeps them: an exported model's .pth loads into these.
                "fullsort" => a.Done(torchlip.FullSort()),
                "groupsort" => a.Done(torchlip.GroupSort((int)a.Long("group_size"))),
                "groupsort2" => a.Done(torchlip.GroupSort2()),
                "maxmin" => a.Done(torchlip.MaxMin()),
                "scaledl2normpool2d" => ScaledL2NormPool2d(a),
                _ => throw Error(text, call.Position, call.Name, "a layer name: " + string.Join(", ", LayerNames)),
            };
            return module;
        }

        private static nn.Module<Tensor, Tensor> Conv1d(Arguments a)
        {
            long input = a.Long("in_channels"), output = a.Long("out_channels"), kernel = a.Long("kernel_size");
            var (stride, padding, dilation, groups, bias, mode) = (a.Long("stride", 1), a.Padding("padding", 1), a.Long("dilation", 1), a.Long("groups", 1), a.Bool("bias", true), a.PaddingMode("padding_mode"));
            a.Finish();
            return padding.Mode is { } same
                ? nn.Conv1d(input, output, kernel, same, stride, dilation, mode, groups, bias)
                : nn.Conv1d(input, output, kernel, stride, padding.Sizes[0], dilation, mode, groups, bias);
        }

        private static nn.Module<Tensor, Tensor> Conv2d(Arguments a)
        {
            long input = a.Long("in_channels"), output = a.Long("out_channels");
            var kernel = a.Pair("kernel_size");
            var (stride, padding, dilation, groups, bias, mode) = (a.Pair("stride", 1), a.Padding("padding", 2), a.Pair("dilation", 1), a.Long("groups", 1), a.Bool("bias", true), a.PaddingMode("padding_mode"));
            a.Finish();
            return padding.Mode is { } same
                ? nn.Conv2d(input, output, kernel, same, stride, dilation, mode, groups, bias)
                : nn.Conv2d(input, output, kernel, stride, (padding.Sizes[0], padding.Sizes[1]), dilation, mode, groups, bias);
        }

        private static nn.Module<Tensor, Tensor> MaxPool1d(Arguments a)
        {
            long kernel = a.Long("kernel_size");
            var (stride, padding, dilation, ceil) = (a.Long("stride", kernel), a.Long("padding", 0), a.Long("dilation", 1), a.Bool("ceil_mode", false));
            a.Finish();
            return nn.MaxPool1d(kernel, stride, padding, dilation, ceil);
        }

        private static nn.Module<Tensor, Tensor> ScaledL2NormPool2d(Arguments a)
        {
            var kernel = a.Pair("kernel_size");
            var stride = a.Pair("stride", kernel);
            a.Finish();
            return torchlip.ScaledL2NormPool2d(kernel, stride);
        }

        private static nn.Module<Tensor, Tensor> MaxPool2d(Arguments a)
        {
            var kernel = a.Pair("kernel_size");
            var (stride, padding, dilation, ceil) = (a.Pair("stride", kernel), a.Pair("padding", 0), a.Pair("dilation", 1), a.Bool("ceil_mode", false));
            a.Finish();
            return nn.MaxPool2d(new[] { kernel.Item1, kernel.Item2 }, new[] { stride.Item1, stride.Item2 }, new[] { padding.Item1, padding.Item2 }, new[] { dilation.Item1, dilation.Item2 }, ceil);
        }

        private static nn.Module<Tensor, Tensor> AvgPool1d(Arguments a)
        {
            long kernel = a.Long("kernel_size");
            var (stride, padding, ceil, include) = (a.Long("stride", kernel), a.Long("padding", 0), a.Bool("ceil_mode", false), a.Bool("count_include_pad", true));
            a.Finish();
            return nn.AvgPool1d(kernel, stride, padding, ceil, include);
        }

        private static nn.Module<Tensor, Tensor> AvgPool2d(Arguments a)
        {
            var kernel = a.Pair("kernel_size");
            var (stride, padding, ceil, include) = (a.Pair("stride", kernel), a.Pair("padding", 0), a.Bool("ceil_mode", false), a.Bool("count_include_pad", true));
            a.Finish();
            return nn.AvgPool2d(new[] { kernel.Item1, kernel.Item2 }, new[] { stride.Item1, stride.Item2 }, new[] { padding.Item1, padding.Item2 }, ceil, include);
        }

        private static nn.Module<Tensor, Tensor> AdaptiveAvgPool2d(Arguments a)
        {
            var size = a.Pair("output_size");
            a.Finish();
            return nn.AdaptiveAvgPool2d(new[] { size.Item1, size.Item2 });
        }

        internal static FormatException Error(string text, int position, string found, string expected) =>
            new($"plain_sequential: at position {position + 1} of \"{text}\", found {found}; expected {expected}.");

        /// <summary>One parsed value: a number (with its text), a boolean, a word or string, or a tuple.</summary>
        internal sealed record Value(int Position, string Text, double? Number, bool? Boolean, string? Word, Value[]? Tuple);

        internal sealed record LayerCall(string Name, int Position, List<Value> Positional, List<(string Name, Value Value)> Named, int End);

        /// <summary>Reads the arguments of one layer by name, positional ones first, and refuses unused or repeated ones.</summary>
        private sealed class Arguments
        {
            private readonly string _text;
            private readonly LayerCall _call;
            private readonly List<string> _accepted = new();
            private readonly HashSet<int> _usedPositional = new();
            private readonly HashSet<string> _usedNamed = new();

            public Arguments(string text, LayerCall call)
            {
                (_text, _call) = (text, call);
                var seen = new HashSet<string>();
                foreach (var (name, value) in call.Named)
                    if (!seen.Add(name)) throw Error(text, value.Position, $"'{name}=' a second time", "each argument once");
            }

            private Value? Get(string name)
            {
                int index = _accepted.Count;
                _accepted.Add(name);
                var named = _call.Named.FirstOrDefault(n => n.Name == name).Value;
                if (index < _call.Positional.Count)
                {
                    if (named is not null) throw Error(_text, named.Position, $"'{name}=' after the same argument given by position", "each argument once");
                    _usedPositional.Add(index);
                    return _call.Positional[index];
                }
                if (named is not null) _usedNamed.Add(name);
                return named;
            }

            private Value Required(string name) =>
                Get(name) ?? throw Error(_text, _call.End, _call.Positional.Count == 0 && _call.Named.Count == 0 ? $"{_call.Name} without arguments" : $"no {name}", $"{_call.Name}'s argument {name}");

            public long Long(string name, long? fallback = null)
            {
                var v = fallback is null ? Required(name) : Get(name);
                return v is null ? fallback!.Value : AsLong(v, name);
            }

            private long AsLong(Value v, string name) =>
                v.Number is double d && Math.Floor(d) == d && !v.Text.Contains('.') && !v.Text.Contains('e', StringComparison.OrdinalIgnoreCase) && Math.Abs(d) < 1e15
                    ? (long)d : throw Error(_text, v.Position, $"'{v.Text}'", $"an integer for {_call.Name}'s {name}");

            public double Double(string name, double fallback)
            {
                var v = Get(name);
                return v is null ? fallback : v.Number ?? throw Error(_text, v.Position, $"'{v.Text}'", $"a number for {_call.Name}'s {name}");
            }

            public bool Bool(string name, bool fallback)
            {
                var v = Get(name);
                return v is null ? fallback : v.Boolean ?? throw Error(_text, v.Position, $"'{v.Text}'", $"true or false for {_call.Name}'s {name}");
            }

            public (long, long) Pair(string name, (long, long)? fallback = null)
            {
                var v = fallback is null ? Required(name) : Get(name);
                if (v is null) return fallback!.Value;
                if (v.Tuple is null) { long n = AsLong(v, name); return (n, n); }
                if (v.Tuple.Length != 2) throw Error(_text, v.Position, $"'{v.Text}'", $"one integer or a pair (h, w) for {_call.Name}'s {name}");
                return (AsLong(v.Tuple[0], name), AsLong(v.Tuple[1], name));
            }

            public (long, long) Pair(string name, long fallback) => Pair(name, (fallback, fallback));

            public (TorchSharp.Padding? Mode, long[] Sizes) Padding(string name, int dims)
            {
                var v = Get(name);
                if (v is null) return (null, new long[dims]);
                if (v.Word is { } word)
                    return word.ToLowerInvariant() switch
                    {
                        "same" => (TorchSharp.Padding.Same, new long[dims]),
                        "valid" => (null, new long[dims]),
                        _ => throw Error(_text, v.Position, $"'{v.Text}'", $"an integer, a tuple, same or valid for {_call.Name}'s {name}"),
                    };
                if (dims == 1) return (null, new[] { AsLong(v, name) });
                var (h, w) = v.Tuple is null ? (AsLong(v, name), AsLong(v, name)) : v.Tuple.Length == 2 ? (AsLong(v.Tuple[0], name), AsLong(v.Tuple[1], name))
                    : throw Error(_text, v.Position, $"'{v.Text}'", $"one integer or a pair (h, w) for {_call.Name}'s {name}");
                return (null, new[] { h, w });
            }

            public PaddingModes PaddingMode(string name)
            {
                var v = Get(name);
                if (v is null) return PaddingModes.Zeros;
                return (v.Word ?? "").ToLowerInvariant() switch
                {
                    "zeros" => PaddingModes.Zeros,
                    "reflect" => PaddingModes.Reflect,
                    "replicate" => PaddingModes.Replicate,
                    "circular" => PaddingModes.Circular,
                    _ => throw Error(_text, v.Position, $"'{v.Text}'", $"zeros, reflect, replicate or circular for {_call.Name}'s {name}"),
                };
            }

            public T Done<T>(T module) where T : IDisposable
            {
                try { Finish(); }
                catch { module.Dispose(); throw; }
                return module;
            }

            public void Finish()
            {
                if (_call.Positional.Count > _accepted.Count)
                {
                    var extra = _call.Positional[_accepted.Count];
                    throw Error(_text, extra.Position, $"'{extra.Text}', argument {_accepted.Count + 1} of {_call.Name}", $"at most {_accepted.Count} positional argument(s): {ListOrNone()}");
                }
                foreach (var (name, value) in _call.Named)
                    if (!_usedNamed.Contains(name))
                        throw Error(_text, value.Position - name.Length - 1, $"'{name}='", $"one of {_call.Name}'s arguments: {ListOrNone()}");
            }

            private string ListOrNone() => _accepted.Count == 0 ? "none" : string.Join(", ", _accepted);
        }

        /// <summary>A recursive-descent parser over the description's characters.</summary>
        private sealed class Parser
        {
            private readonly string _text;
            private int _at;

            public Parser(string text) => _text = text;

            public List<LayerCall> Layers()
            {
                var layers = new List<LayerCall>();
                SkipSpace(newLines: true);
                if (_at == _text.Length) throw Error(_text, 0, "an empty description", "layers separated by ';', e.g. \"flatten; linear(784, 10)\"");
                while (true)
                {
                    layers.Add(Layer());
                    SkipSpace(newLines: false);
                    if (_at == _text.Length) break;
                    if (_text[_at] is not (';' or '\n' or '\r')) throw Error(_text, _at, Found(), "';' between layers");
                    while (_at < _text.Length && (_text[_at] is ';' or '\n' or '\r' || char.IsWhiteSpace(_text[_at]))) _at++;
                    if (_at == _text.Length) break;
                }
                return layers;
            }

            private LayerCall Layer()
            {
                int start = _at;
                var name = Word() ?? throw Error(_text, _at, Found(), "a layer name (" + string.Join(", ", LayerNames) + ")");
                if (name.StartsWith("nn.", StringComparison.OrdinalIgnoreCase)) name = name[3..];
                name = name.ToLowerInvariant();
                if (!LayerNames.Contains(name)) throw Error(_text, start, $"'{name}'", "a layer name: " + string.Join(", ", LayerNames));
                var positional = new List<Value>();
                var named = new List<(string, Value)>();
                SkipSpace(newLines: false);
                if (_at < _text.Length && _text[_at] == '(')
                {
                    _at++;
                    SkipSpace(newLines: true);
                    if (_at < _text.Length && _text[_at] == ')') _at++;
                    else
                        while (true)
                        {
                            SkipSpace(newLines: true);
                            int argumentStart = _at;
                            var word = Word();
                            SkipSpace(newLines: true);
                            if (word is not null && _at < _text.Length && _text[_at] == '=')
                            {
                                _at++;
                                SkipSpace(newLines: true);
                                named.Add((word, ValueAt()));
                            }
                            else
                            {
                                _at = argumentStart;
                                var value = ValueAt();
                                if (named.Count > 0) throw Error(_text, value.Position, $"'{value.Text}' by position after a named argument", "name=value");
                                positional.Add(value);
                            }
                            SkipSpace(newLines: true);
                            if (_at < _text.Length && _text[_at] == ',') { _at++; continue; }
                            if (_at < _text.Length && _text[_at] == ')') { _at++; break; }
                            throw Error(_text, _at, Found(), $"',' or ')' in the arguments of {name}");
                        }
                }
                return new LayerCall(name, start, positional, named, _at);
            }

            private Value ValueAt()
            {
                SkipSpace(newLines: true);
                int start = _at;
                if (_at == _text.Length) throw Error(_text, _at, Found(), "a value");
                char c = _text[_at];
                if (c == '(')
                {
                    _at++;
                    var items = new List<Value>();
                    while (true)
                    {
                        items.Add(ValueAt());
                        SkipSpace(newLines: true);
                        if (_at < _text.Length && _text[_at] == ',') { _at++; SkipSpace(newLines: true); if (_at < _text.Length && _text[_at] == ')') { _at++; break; } continue; }
                        if (_at < _text.Length && _text[_at] == ')') { _at++; break; }
                        throw Error(_text, _at, Found(), "',' or ')' in a tuple");
                    }
                    return new Value(start, _text[start.._at], null, null, null, items.ToArray());
                }
                if (c is '\'' or '"')
                {
                    int end = _text.IndexOf(c, _at + 1);
                    if (end < 0) throw Error(_text, _at, "an unclosed string", $"a closing {c}");
                    _at = end + 1;
                    return new Value(start, _text[start.._at], null, null, _text[(start + 1)..end], null);
                }
                if (char.IsDigit(c) || c is '-' or '+' or '.')
                {
                    while (_at < _text.Length && (char.IsLetterOrDigit(_text[_at]) || _text[_at] is '.' or '-' or '+')) _at++;
                    var number = _text[start.._at];
                    if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || !double.IsFinite(d))
                        throw Error(_text, start, $"'{number}'", "a number");
                    return new Value(start, number, d, null, null, null);
                }
                var word = Word() ?? throw Error(_text, _at, Found(), "a value (a number, true, false, a word, a string or a tuple)");
                bool? boolean = word.ToLowerInvariant() switch { "true" => true, "false" => false, _ => null };
                return new Value(start, word, null, boolean, boolean is null ? word : null, null);
            }

            private string? Word()
            {
                int start = _at;
                while (_at < _text.Length && (char.IsLetterOrDigit(_text[_at]) || _text[_at] is '_' or '.') && !(_at == start && char.IsDigit(_text[_at]))) _at++;
                return _at > start ? _text[start.._at] : null;
            }

            private void SkipSpace(bool newLines)
            {
                while (_at < _text.Length && char.IsWhiteSpace(_text[_at]) && (newLines || _text[_at] is not ('\n' or '\r'))) _at++;
            }

            private string Found() => _at >= _text.Length ? "the end" : $"'{_text[_at]}'";
        }
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>
        /// A plain TorchSharp <c>nn.Sequential</c> built from a description such as
        /// <c>"flatten; linear(784, 128); relu; linear(128, 10)"</c>, children named "0", "1", ... like PyTorch's, so that a
        /// PyTorch state_dict's keys match. See <see cref="Modules.PlainArchitecture.Parse"/> for the layers and arguments.
        /// </summary>
        /// <param name="description">The layers, separated by ';'.</param>
        /// <exception cref="FormatException">A description that does not parse, with the position and what was expected.</exception>
        public static TorchSharp.Modules.Sequential plain_sequential(string description) => Modules.PlainArchitecture.Parse(description);
    }
}
