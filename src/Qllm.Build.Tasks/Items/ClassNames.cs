using System.Text;

namespace Qllm.Build.Tasks.Items;

/// <summary>C# names for generated classes.</summary>
internal static class ClassNames
{
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const", "continue",
        "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern", "false", "finally",
        "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface", "internal", "is", "lock",
        "long", "namespace", "new", "null", "object", "operator", "out", "override", "params", "private", "protected",
        "public", "readonly", "ref", "return", "sbyte", "sealed", "short", "sizeof", "stackalloc", "static", "string",
        "struct", "switch", "this", "throw", "true", "try", "typeof", "uint", "ulong", "unchecked", "unsafe", "ushort",
        "using", "virtual", "void", "volatile", "while",
    };

    /// <summary>A class name from a model's file or folder name: its letters and digits, each word capitalised (<c>stories15M.bin</c> → <c>Stories15M</c>).</summary>
    public static string FromModelPath(string modelPath)
    {
        var trimmed = modelPath.TrimEnd('/', '\\');
        return FromName(Directory.Exists(trimmed) ? Path.GetFileName(trimmed) : Path.GetFileNameWithoutExtension(trimmed));
    }

    /// <summary>
    /// A class name from a NuGet package id: its last dot-separated segment, as a C# name
    /// (<c>Contoso.Stories15M</c> → <c>Stories15M</c>), which reads like the class of the same model
    /// from a file; the owner prefix is what the namespace is for.
    /// </summary>
    public static string FromPackageId(string packageId) => FromName(packageId[(packageId.LastIndexOf('.') + 1)..]);

    /// <summary>The letters and digits of <paramref name="name"/>, each word capitalised; prefixed with Model when that is not an identifier.</summary>
    private static string FromName(string name)
    {
        var result = new StringBuilder();
        var startOfWord = true;
        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c))
            {
                startOfWord = true;
                continue;
            }

            result.Append(startOfWord ? char.ToUpperInvariant(c) : c);
            startOfWord = false;
        }

        if (result.Length == 0 || char.IsAsciiDigit(result[0]))
        {
            result.Insert(0, "Model");
        }

        return result.ToString();
    }

    /// <summary>Whether <paramref name="name"/> can name a C# class (ASCII letters, digits and underscores, not a keyword).</summary>
    public static bool IsIdentifier(string name) =>
        name.Length > 0
        && (char.IsAsciiLetter(name[0]) || name[0] == '_')
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')
        && !Keywords.Contains(name);

    /// <summary>Whether <paramref name="name"/> can name a namespace (identifiers joined by dots), or is empty (the global namespace).</summary>
    public static bool IsNamespace(string name) => name.Length == 0 || name.Split('.').All(IsIdentifier);
}
