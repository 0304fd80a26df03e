using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using Xunit;

namespace TorchLip.Tests.Internal;

/// <summary>
/// No TorchLip assembly makes a temporary TorchSharp Scalar implicitly, by a conversion of its own or through a TorchSharp
/// method that makes one (<c>a + b</c> is <c>add(b, 1)</c> with an implicit alpha, <c>square()</c> is <c>pow(2)</c>): TorchSharp
/// passes only the handle, so the collector can free such a temporary while libtorch reads it (see Optim.Adam). The test
/// reads the IL: of TorchSharp, to find (transitively) every method that converts a number to a Scalar, then of each
/// TorchLip assembly, for calls to those methods or to the conversion itself. The way is an explicit
/// <c>x.ToScalar()</c> in a <c>using</c> variable, a cached Scalar, or an overload that takes every Scalar.
/// </summary>
public class ImplicitScalarTests
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes).GetFields()
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    private static readonly Lazy<HashSet<string>> ScalarMakers = new(() => FindScalarMakers(typeof(TorchSharp.Scalar).Assembly.Location));

    [Theory]
    [InlineData(typeof(torchlip))]
    [InlineData(typeof(TorchLip.Training.Trainer))]
    [InlineData(typeof(TorchLip.Data.MnistDataset))]
    [InlineData(typeof(TorchLip.Cli.Jobs.Mnist08Job))]
    [InlineData(typeof(TorchLip.PyTorch.pytorch))]
    [InlineData(typeof(TorchLip.Onnx.OnnxImport))]
    public void NoMethodMakesAnImplicitScalar(Type anyTypeOfTheAssembly)
    {
        var found = Offenders(anyTypeOfTheAssembly.Assembly.Location);
        Assert.True(found.Count == 0, "implicit Scalars made in: " + string.Join(", ", found));
    }

    [Fact]
    public void TheScanSeesTheShorthandsThatMakeThem()
    {
        var makers = ScalarMakers.Value;
        Assert.Contains("Tensor::op_Addition(Tensor,Tensor)", makers);   // add(target, 1)
        Assert.Contains("Tensor::square()", makers);                     // pow(2)
        Assert.Contains("Tensor::add_(Scalar)", makers);                 // add_(scalar, 1)
        Assert.DoesNotContain("Tensor::add_(Scalar,Scalar)", makers);
        Assert.DoesNotContain("Tensor::mul_(Scalar)", makers);
        // This test assembly makes them on purpose (x * 2.0, a + b in the test code): the scan must see them.
        Assert.NotEmpty(Offenders(typeof(ImplicitScalarTests).Assembly.Location));
    }

    private static List<string> Offenders(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var found = new List<string>();
        foreach (var typeHandle in md.TypeDefinitions)
            foreach (var methodHandle in md.GetTypeDefinition(typeHandle).GetMethods())
                foreach (var call in Calls(pe, md.GetMethodDefinition(methodHandle)))
                {
                    if (call.Kind != HandleKind.MemberReference) continue;
                    var member = md.GetMemberReference((MemberReferenceHandle)call);
                    if (member.GetKind() != MemberReferenceKind.Method || member.Parent.Kind == HandleKind.TypeSpecification) continue;
                    var key = Key(md, TypeName(md, member.Parent), md.GetString(member.Name), member.Signature);
                    if (key.StartsWith("Scalar::op_Implicit(", StringComparison.Ordinal) || ScalarMakers.Value.Contains(key))
                        found.Add($"{md.GetString(md.GetTypeDefinition(typeHandle).Name)}.{md.GetString(md.GetMethodDefinition(methodHandle).Name)} → {key}");
                }
        return found;
    }

    private static HashSet<string> FindScalarMakers(string torchSharp)
    {
        using var stream = File.OpenRead(torchSharp);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var keys = new Dictionary<MethodDefinitionHandle, string>();
        var callees = new Dictionary<MethodDefinitionHandle, List<MethodDefinitionHandle>>();
        foreach (var typeHandle in md.TypeDefinitions)
            foreach (var methodHandle in md.GetTypeDefinition(typeHandle).GetMethods())
            {
                var method = md.GetMethodDefinition(methodHandle);
                keys[methodHandle] = Key(md, md.GetString(md.GetTypeDefinition(typeHandle).Name), md.GetString(method.Name), method.Signature);
                callees[methodHandle] = Calls(pe, method).Where(c => c.Kind == HandleKind.MethodDefinition).Select(c => (MethodDefinitionHandle)c).ToList();
            }
        var makers = keys.Where(k => k.Value.StartsWith("Scalar::op_Implicit(", StringComparison.Ordinal)).Select(k => k.Key).ToHashSet();
        for (bool grew = true; grew;)
        {
            grew = false;
            foreach (var (method, calls) in callees)
                if (!makers.Contains(method) && calls.Any(makers.Contains)) grew = makers.Add(method) | grew;
        }
        return makers.Select(m => keys[m]).ToHashSet();
    }

    private static IEnumerable<EntityHandle> Calls(PEReader pe, MethodDefinition method)
    {
        if (method.RelativeVirtualAddress == 0) yield break;
        var il = pe.GetMethodBody(method.RelativeVirtualAddress).GetILReader();
        while (il.RemainingBytes > 0)
        {
            short value = il.ReadByte();
            if (value == 0xFE) value = (short)(0xFE00 | il.ReadByte());
            var op = OpCodesByValue[value];
            if (op == OpCodes.Call || op == OpCodes.Callvirt || op == OpCodes.Newobj)
            {
                yield return MetadataTokens.EntityHandle(il.ReadInt32());
                continue;
            }
            int skip = op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 * il.ReadInt32(),
                _ => 4,
            };
            il.Offset += skip;
        }
    }

    private static string TypeName(MetadataReader md, EntityHandle type) => type.Kind switch
    {
        HandleKind.TypeDefinition => md.GetString(md.GetTypeDefinition((TypeDefinitionHandle)type).Name),
        HandleKind.TypeReference => md.GetString(md.GetTypeReference((TypeReferenceHandle)type).Name),
        _ => "?",
    };

    /// <summary>"Type::name(parameter types)", the same for a definition in TorchSharp and a reference to it from elsewhere.</summary>
    private static string Key(MetadataReader md, string type, string name, BlobHandle signature)
    {
        var reader = md.GetBlobReader(signature);
        var decoded = new SignatureDecoder<string, object?>(new TypeNames(), md, null).DecodeMethodSignature(ref reader);
        return $"{type}::{name}({string.Join(",", decoded.ParameterTypes)})";
    }

    private sealed class TypeNames : ISignatureTypeProvider<string, object?>
    {
        public string GetArrayType(string elementType, ArrayShape shape) => elementType + "[,]";
        public string GetByReferenceType(string elementType) => elementType + "&";
        public string GetFunctionPointerType(MethodSignature<string> signature) => "fn";
        public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) => genericType + "<" + string.Join(",", typeArguments) + ">";
        public string GetGenericMethodParameter(object? context, int index) => "!!" + index;
        public string GetGenericTypeParameter(object? context, int index) => "!" + index;
        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;
        public string GetPinnedType(string elementType) => elementType;
        public string GetPointerType(string elementType) => elementType + "*";
        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode.ToString();
        public string GetSZArrayType(string elementType) => elementType + "[]";
        public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => reader.GetString(reader.GetTypeDefinition(handle).Name);
        public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => reader.GetString(reader.GetTypeReference(handle).Name);
        public string GetTypeFromSpecification(MetadataReader reader, object? context, TypeSpecificationHandle handle, byte rawTypeKind) => "spec";
    }
}
