using System.Text;
using Qllm.Artifacts.Tokenization;

namespace Qllm.Artifacts.Tests.Tokenization;

public sealed class PieceIndexTests
{
    [Fact]
    public void It_finds_every_piece_by_its_bytes_and_the_first_id_of_equal_pieces()
    {
        var random = new Random(3);
        var pieces = new byte[20_000][];
        for (int id = 0; id < pieces.Length; id++)
        {
            // Short pieces over a small alphabet, so that many collide in the table and some repeat.
            pieces[id] = Enumerable.Range(0, random.Next(1, 7)).Select(_ => (byte)"abcdé "[random.Next(6)]).ToArray();
        }

        pieces[7] = [];
        var expected = new Dictionary<string, int>();
        for (int id = 2; id < pieces.Length; id++)
        {
            if (pieces[id].Length > 0)
            {
                expected.TryAdd(Encoding.Latin1.GetString(pieces[id]), id);
            }
        }

        var index = new PieceIndex(pieces, firstId: 2);

        Assert.Equal(expected.Values.Order(), index.Ids);
        foreach (var (text, id) in expected)
        {
            Assert.Equal(id, index.Find(Encoding.Latin1.GetBytes(text)));
        }

        Assert.Equal(-1, index.Find("zz"u8));
        Assert.Equal(-1, index.Find([]));
        Assert.DoesNotContain(7, index.Ids);
    }

    [Fact]
    public void Pieces_before_the_first_id_are_not_indexed()
    {
        var index = new PieceIndex(["<unk>"u8.ToArray(), "ab"u8.ToArray(), "a"u8.ToArray()], firstId: 1);

        Assert.Equal(-1, index.Find("<unk>"u8));
        Assert.Equal(1, index.Find("ab"u8));
        Assert.Equal(2, index.Find("a"u8));
    }
}
