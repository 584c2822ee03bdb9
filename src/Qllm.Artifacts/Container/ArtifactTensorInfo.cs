namespace Qllm.Artifacts.Container;

/// <summary>
/// One tensor of an artifact, as its manifest entry describes it. Immutable; validated by the
/// reader against the file (or built by the writer) before anyone sees it.
/// </summary>
public sealed class ArtifactTensorInfo
{
    private static readonly IReadOnlyDictionary<string, ArtifactAttributeValue> NoAttributes =
        new Dictionary<string, ArtifactAttributeValue>(StringComparer.Ordinal);

    internal ArtifactTensorInfo(
        string name,
        ArtifactDType dtype,
        long[] shape,
        long offset,
        long length,
        IReadOnlyDictionary<string, ArtifactAttributeValue>? attributes)
    {
        Name = name;
        DType = dtype;
        Shape = Array.AsReadOnly(shape);
        Offset = offset;
        Length = length;
        ElementCount = ArtifactDTypes.ElementCount(shape);
        Rows = shape.Length <= 1 ? 1 : ArtifactDTypes.ElementCount(shape.AsSpan(0, shape.Length - 1));
        Attributes = attributes is null || attributes.Count == 0
            ? NoAttributes
            : new Dictionary<string, ArtifactAttributeValue>(attributes, StringComparer.Ordinal);
    }

    /// <summary>The tensor's name, unique within the artifact.</summary>
    public string Name { get; }

    /// <summary>The element type.</summary>
    public ArtifactDType DType { get; }

    /// <summary>The logical shape (for packed codes, the unpacked shape: one element per code).</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>The number of elements (the product of <see cref="Shape"/>; 1 for a scalar).</summary>
    public long ElementCount { get; }

    /// <summary>The byte offset of the tensor's data, from the start of the data section; a multiple of <see cref="ArtifactFormat.Alignment"/>.</summary>
    public long Offset { get; }

    /// <summary>The byte length of the tensor's data (see <see cref="ArtifactDTypes.ByteLength"/>).</summary>
    public long Length { get; }

    /// <summary>Free-form attributes the writer attached (for example <c>bits</c>, <c>groupSize</c>); empty when none.</summary>
    public IReadOnlyDictionary<string, ArtifactAttributeValue> Attributes { get; }

    /// <summary>The number of rows: the product of every dimension but the last (1 for rank 0 and 1).</summary>
    public long Rows { get; }

    /// <summary>The number of columns: the last dimension (1 for a scalar).</summary>
    public long Columns => Shape.Count == 0 ? 1 : Shape[^1];

    /// <inheritdoc />
    public override string ToString() =>
        $"{Name} {ArtifactDTypes.Name(DType)}[{string.Join(", ", Shape)}] @{Offset} +{Length}";
}
