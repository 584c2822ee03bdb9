using System.CommandLine;

namespace Qllm.Tool.CommandLine;

/// <summary>Range checks that turn bad option values into command-line errors (exit code 2).</summary>
internal static class OptionValidation
{
    public static Option<T> InRange<T>(this Option<T> option, T min, T max)
        where T : IComparable<T>
    {
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<T>();
            if (value.CompareTo(min) < 0 || value.CompareTo(max) > 0)
            {
                result.AddError($"{option.Name} must be between {min} and {max}, not {value}");
            }
        });
        return option;
    }

    /// <summary>The same check for an optional value: absent means "the default", present must be in range.</summary>
    public static Option<T?> InRange<T>(this Option<T?> option, T min, T max)
        where T : struct, IComparable<T>
    {
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<T?>() is { } value && (value.CompareTo(min) < 0 || value.CompareTo(max) > 0))
            {
                result.AddError($"{option.Name} must be between {min} and {max}, not {value}");
            }
        });
        return option;
    }
}
