using Qllm.Setup;

namespace Qllm.Setup.Tests;

public sealed class BrownDetokenizerTests
{
    [Fact]
    public void Strips_tags_after_the_last_slash()
    {
        Assert.Equal("He", BrownDetokenizer.WordOf("He/pps"));
        Assert.Equal("1/2", BrownDetokenizer.WordOf("1/2/cd"));
        Assert.Equal("Scotty's", BrownDetokenizer.WordOf("Scotty's/np$"));
        Assert.Equal("&", BrownDetokenizer.WordOf("&/cc-tl"));
    }

    [Fact]
    public void Attaches_punctuation_to_the_word_before_it()
    {
        var text = BrownDetokenizer.Detokenize(
            "\tWell/uh ,/, he/pps came/vbd (/( late/rb )/) ;/. then/rb :/: he/pps left/vbd !/. Why/wrb ?/. Fine/jj ./.\n");

        Assert.Equal("Well, he came (late); then: he left! Why? Fine.", text);
    }

    [Fact]
    public void Turns_double_quote_marks_into_ascii_quotes_with_the_punctuation_inside()
    {
        var text = BrownDetokenizer.Detokenize(
            "\tScotty/np murmured/vbd ,/, ``/`` No/rb ,/, thanks/nns ''/'' ./.\n" +
            "``/`` He's/pps+bez all/ql right/jj ''/'' ,/, Rachel/np said/vbd ./.\n" +
            "``/`` Pardon/vb ''/'' ?/. ?/.\n");

        Assert.Equal("Scotty murmured, \"No, thanks.\" \"He's all right,\" Rachel said. \"Pardon?\"", text);
    }

    [Fact]
    public void Drops_a_comma_after_a_quotation_that_ends_in_an_exclamation()
    {
        var text = BrownDetokenizer.Detokenize("``/`` Stop/vb !/. ''/'' ,/, he/pps said/vbd ./.\n");

        Assert.Equal("\"Stop!\" he said.", text);
    }

    [Fact]
    public void Pairs_single_quotes_within_a_paragraph()
    {
        var text = BrownDetokenizer.Detokenize(
            "\tHe/pps said/vbd ,/, '/' Look/vb here/rb '/' ./. The/at boys'/nns$ dog/nn ran/vbd ./.\n" +
            "A/at story/nn is/bez about/in '/' why/wrb-nc '/' and/cc then/rb how/wrb ./.\n");

        Assert.Equal("He said, 'Look here.' The boys' dog ran. A story is about 'why' and then how.", text);
    }

    [Fact]
    public void Collapses_the_corpus_doubled_sentence_marks()
    {
        var text = BrownDetokenizer.Detokenize("His/pp$ face/nn was/bedz fuller/jjr ;/. ;/.\nhis/pp$ lips/nns were/bed dry/jj !/. !/.\n");

        Assert.Equal("His face was fuller; his lips were dry!", text);
    }

    [Fact]
    public void An_abbreviation_that_ends_a_sentence_keeps_one_full_stop()
    {
        var text = BrownDetokenizer.Detokenize("He/pps came/vbd at/in one/cd A.M./rb ./. Marshall/np Field/np &/cc Co./nn ,/, too/rb ./.\n");

        Assert.Equal("He came at one A.M. Marshall Field & Co., too.", text);
    }

    [Fact]
    public void Keeps_paragraphs_and_headlines_apart()
    {
        var text = BrownDetokenizer.Detokenize(
            "\n\n\nThirty-three/cd-hl \nScotty/np did/dod not/* go/vb ./.\nHis/pp$ parents/nns talked/vbd ./.\n\n\n" +
            "\tScotty/np accepted/vbd ./.\n\n\n\tHe/pps left/vbd ./.\n");

        Assert.Equal(
            "Thirty-three\n\nScotty did not go. His parents talked.\n\nScotty accepted.\n\nHe left.",
            text);
    }

    [Fact]
    public void Leaves_dashes_spaced_and_opening_brackets_attached()
    {
        var text = BrownDetokenizer.Detokenize("Teachers/nns --/-- men/nns (/( old/jj )/) --/-- came/vbd ./.\n");

        Assert.Equal("Teachers -- men (old) -- came.", text);
    }

    [Fact]
    public void An_empty_file_gives_empty_text()
    {
        Assert.Equal("", BrownDetokenizer.Detokenize("\n\n\t\n"));
    }
}
