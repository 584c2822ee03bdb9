namespace Qllm.Artifacts.Tests.Tokenization.HuggingFace;

/// <summary>Texts beside the evaluation text where tokenizers go wrong: Unicode, emoji, CJK, whitespace runs, special tokens.</summary>
internal static class EdgeCaseTexts
{
    public static IReadOnlyList<string> Common { get; } =
    [
        "",
        "Hello world",
        " leading space",
        "trailing space ",
        "  two  spaces  between  ",
        "                    twenty spaces",
        "\t\ttabs\tand\nnewlines\n\n\nthree\r\nwindows\r\n",
        "   \n   \n\n  \t ",
        "a\n\n\n\n\n\nb",
        "naïve café résumé Ünïcödé Straße ﬁligature",
        "e\u0301 combining acute, A\u030A ring, and precomposed é Å",
        "👍🏽 family 👨‍👩‍👧‍👦 flag 🇺🇸 🙂🙂🙂 🤖",
        "你好，世界！日本語のテキストです。한국어 텍스트",
        "supplementary 𠀀𠀁 𪚥 and math 𝐇𝐞𝐥𝐥𝐨 a𝐀b 𝟏𝟐𝟑",
        "1234567 3.14159 1,000,000 ٣٤٥ ²³ ½",
        "I'm can't we'll they've she'd it's DON'T I'M YOU'LL it'ſ 'K",
        "def f(x):\n    return x**2  # comment\n\tpass\n",
        "ALL CAPS and MiXeD cAsE, email@example.com https://x.y/z?q=1&r=2",
        "zoooooooooop bannnnnnnnnng aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "مرحبا بالعالم שלום עולם नमस्ते दुनिया Привет мир Γειά σου",
        "control \u0000\u0001 bell\u0007 escape\u001B end",
        "spaces: a\u00A0b\u2003c\u3000d e\u0085f g\uFEFFh",
        "zero width: a\u200Db\u200Bc\u2060d",
        "▁ the marker itself ▁▁ and <0x41> as text",
        "<unk> <s> </s> <|begin_of_text|> <|eot_id|> <|im_start|> <|im_end|> <|endoftext|> <think>",
        "<s>Hello</s><s> spaced </s>",
        "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi there!<|eot_id|>",
        "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
        "partial <|im_start and <|eot_id| and <s without closing",
        "text<|endoftext|>more text<|endoftext|>",
    ];
}
