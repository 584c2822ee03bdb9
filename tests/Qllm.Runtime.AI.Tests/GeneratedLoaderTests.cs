using Microsoft.Extensions.AI;
using Qllm.Core.Errors;

namespace Qllm.Runtime.AI.Tests;

/// <summary>
/// The loader Qllm.Build generates (its approved text, compiled here with Qllm.Runtime.AI's
/// QLLM_RUNTIME_AI) makes a chat client one call away.
/// </summary>
public sealed class GeneratedLoaderTests(ChatArtifactsFixture artifacts) : IClassFixture<ChatArtifactsFixture>
{
    [Fact]
    public async Task LoadChatClient_loads_the_model_beside_the_app_as_a_chat_client()
    {
        var path = Path.Combine(AppContext.BaseDirectory, Contoso.Chat.QuantizedModels.TinyLlama.RelativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Copy(artifacts.Plain, path, overwrite: true);
        try
        {
            using var client = Contoso.Chat.QuantizedModels.TinyLlama.LoadChatClient();
            var response = await client.GetResponseAsync("Once upon a time", new ChatOptions { MaxOutputTokens = 12 });
            Assert.Equal(12, response.Usage!.OutputTokenCount);
            Assert.NotEmpty(response.Text);
            Assert.NotNull(client.GetService<QuantizedLanguageModel>());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void LoadChatClient_of_an_embedded_model_that_is_not_there_is_a_coded_error()
    {
        var error = Assert.Throws<QllmException>(() => Contoso.Chat.QuantizedModels.Stories15M.LoadChatClient());
        Assert.Equal(ErrorCodes.InputNotFound, error.Code);
    }
}
