namespace Qllm.Artifacts.Templates;

/// <summary>The <c>loop</c> variable of a for loop.</summary>
internal static class TemplateLoop
{
    public static Dictionary<string, object?> Create(IReadOnlyList<object?> items, int index)
    {
        var loop = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["index"] = (long)index + 1,
            ["index0"] = (long)index,
            ["revindex"] = (long)(items.Count - index),
            ["revindex0"] = (long)(items.Count - index - 1),
            ["first"] = index == 0,
            ["last"] = index == items.Count - 1,
            ["length"] = (long)items.Count,
            ["previtem"] = index > 0 ? items[index - 1] : TemplateUndefined.Value,
            ["nextitem"] = index + 1 < items.Count ? items[index + 1] : TemplateUndefined.Value,
        };
        loop["cycle"] = new TemplateFunction(a => a.Positional.Count == 0 ? TemplateUndefined.Value : a.Positional[index % a.Positional.Count]);
        return loop;
    }
}
