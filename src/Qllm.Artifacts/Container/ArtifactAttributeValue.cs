using System.Globalization;

namespace Qllm.Artifacts.Container;

/// <summary>
/// The value of a tensor attribute in the manifest: a JSON number or a JSON string (for example
/// <c>bits</c>, <c>groupSize</c>, <c>scheme</c>). Numbers keep their exact integer value when they
/// are integers; a whole <see cref="double"/> is written as an integer and reads back as one.
/// </summary>
public readonly struct ArtifactAttributeValue : IEquatable<ArtifactAttributeValue>
{
    private readonly string? _text;
    private readonly long _integer;
    private readonly double _number;
    private readonly bool _isInteger;

    private ArtifactAttributeValue(string? text, long integer, double number, bool isInteger)
    {
        _text = text;
        _integer = integer;
        _number = number;
        _isInteger = isInteger;
    }

    /// <summary>Whether the value is a string (otherwise it is a number).</summary>
    public bool IsString => _text is not null;

    /// <summary>Whether the value is a number that is an exact <see cref="long"/>.</summary>
    public bool IsInteger => _text is null && _isInteger;

    /// <summary>An integer attribute.</summary>
    public static ArtifactAttributeValue FromInt64(long value) => new(null, value, value, isInteger: true);

    /// <summary>A number attribute; it must be finite (JSON has no NaN or infinity).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is NaN or infinite.</exception>
    public static ArtifactAttributeValue FromDouble(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "an attribute number must be finite");
        }

        // A whole number within long's range is stored as the integer, so that it compares equal
        // to what a reader parses back from the JSON "4" the writer emits for 4.0.
        return value == Math.Floor(value) && value >= -9.2e18 && value <= 9.2e18
            ? new(null, (long)value, value, isInteger: true)
            : new(null, 0, value, isInteger: false);
    }

    /// <summary>A string attribute.</summary>
    public static ArtifactAttributeValue FromString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new(value, 0, 0, isInteger: false);
    }

    /// <summary>An integer attribute.</summary>
    public static implicit operator ArtifactAttributeValue(int value) => FromInt64(value);

    /// <summary>An integer attribute.</summary>
    public static implicit operator ArtifactAttributeValue(long value) => FromInt64(value);

    /// <summary>A number attribute.</summary>
    public static implicit operator ArtifactAttributeValue(double value) => FromDouble(value);

    /// <summary>A string attribute.</summary>
    public static implicit operator ArtifactAttributeValue(string value) => FromString(value);

    /// <summary>Equality by kind and value.</summary>
    public static bool operator ==(ArtifactAttributeValue left, ArtifactAttributeValue right) => left.Equals(right);

    /// <summary>Inequality by kind and value.</summary>
    public static bool operator !=(ArtifactAttributeValue left, ArtifactAttributeValue right) => !left.Equals(right);

    /// <summary>The integer value.</summary>
    /// <exception cref="InvalidOperationException">The value is a string or not an integer.</exception>
    public long AsInt64() => IsInteger ? _integer : throw new InvalidOperationException($"the attribute {this} is not an integer");

    /// <summary>The numeric value.</summary>
    /// <exception cref="InvalidOperationException">The value is a string.</exception>
    public double AsDouble() => _text is null ? _number : throw new InvalidOperationException($"the attribute {this} is a string, not a number");

    /// <summary>The string value.</summary>
    /// <exception cref="InvalidOperationException">The value is a number.</exception>
    public string AsString() => _text ?? throw new InvalidOperationException($"the attribute {this} is a number, not a string");

    /// <inheritdoc />
    public bool Equals(ArtifactAttributeValue other)
    {
        if (_text is not null || other._text is not null)
        {
            return string.Equals(_text, other._text, StringComparison.Ordinal);
        }

        return _isInteger && other._isInteger ? _integer == other._integer : _number.Equals(other._number);
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ArtifactAttributeValue other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() =>
        _text is not null ? StringComparer.Ordinal.GetHashCode(_text) : _number.GetHashCode();

    /// <summary>The value as the manifest writes it (strings unquoted).</summary>
    public override string ToString() =>
        _text ?? (_isInteger ? _integer.ToString(CultureInfo.InvariantCulture) : _number.ToString("R", CultureInfo.InvariantCulture));
}
