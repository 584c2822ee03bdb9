using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Qllm.Artifacts.Container;
using Qllm.Artifacts.Tokenization;
using Qllm.Core.Errors;
using Qllm.Runtime.Chat;
using Qllm.Runtime.Compute;
using Qllm.Runtime.Generation;
using Qllm.Runtime.Model;

namespace Qllm.Runtime;

/// <summary>
/// A quantized LLaMA-family model loaded from a QLLM artifact (<c>.qllm</c>), run in managed code:
/// packed low-bit weights stay packed, activations are quantized per token at run time, and the
/// products are integer SIMD dot products. One instance can serve any number of concurrent callers;
/// each call has its own sequence state.
/// </summary>
/// <example>
/// <code>
/// using var model = QuantizedLanguageModel.Load("stories15M.qllm");
/// Console.WriteLine(model.Generate("Once upon a time").Text);
/// </code>
/// </example>
public sealed class QuantizedLanguageModel : IDisposable
{
    private readonly Transformer _transformer;
    private readonly ArtifactReader? _reader;
    private readonly Workers _workers;
    private readonly ChatPrompt _chat;
    private readonly Lock _gate = new();

    // The states of finished GetLogits calls, reused by the next: a window's logits buffer is large.
    private readonly ConcurrentBag<InferenceState> _idleStates = [];
    private int _activeCalls;
    private bool _disposed;

    private QuantizedLanguageModel(Transformer transformer, ITextTokenizer tokenizer, ArtifactReader? reader, string source, string digest, int weightBits, int activationBits, RuntimeOptions? options)
    {
        _transformer = transformer;
        _reader = reader;
        Tokenizer = tokenizer;
        Source = source;
        Digest = digest;
        WeightBits = weightBits;
        ActivationBits = activationBits;
        _workers = new Workers((options ?? new RuntimeOptions()).Threads);
        _chat = new ChatPrompt(tokenizer, source);
    }

    /// <summary>Where the model came from (a path or a resource name).</summary>
    public string Source { get; }

    /// <summary>SHA-256 of the artifact, lower-case hex (what <c>sha256sum</c> prints).</summary>
    public string Digest { get; }

    /// <summary>The tokenizer carried in the artifact.</summary>
    public ITextTokenizer Tokenizer { get; }

    /// <summary>The context length: the most tokens one sequence can hold, BOS included.</summary>
    public int ContextLength => _transformer.Config.SeqLen;

    /// <summary>Number of tokens in the vocabulary: the width of a row of logits.</summary>
    public int VocabularySize => _transformer.Config.VocabSize;

    /// <summary>Bits per weight code of the decoder layers.</summary>
    public int WeightBits { get; }

    /// <summary>Bits per activation code (16: activations stay in float, a weight-only artifact).</summary>
    public int ActivationBits { get; }

    /// <summary>
    /// Whether the tokenizer carries a chat template (<c>chat_template</c> of <c>tokenizer_config.json</c>).
    /// Without one, <see cref="Chat(IEnumerable{ChatTurn}, GenerationOptions?, CancellationToken)"/>
    /// uses the plain format: the messages' texts, one per line, after BOS.
    /// </summary>
    public bool HasChatTemplate => _chat.HasTemplate;

    /// <summary>Bytes of model data in memory (packed codes, scales, norms, maps), whether mapped from the file or owned.</summary>
    public long ModelBytes => _transformer.Bytes;

    /// <summary>
    /// Loads the artifact at <paramref name="path"/>, memory-mapping it (the weights are used in
    /// place). Its SHA-256 is checked unless <see cref="RuntimeOptions.VerificationMemo"/> remembers
    /// the file verified unchanged.
    /// </summary>
    /// <exception cref="QllmException">The file is missing, malformed, corrupt or of another format version (<see cref="ErrorCodes.BadArtifact"/>), or asks for something this runtime cannot run (<see cref="ErrorCodes.UnsupportedArtifact"/>).</exception>
    public static QuantizedLanguageModel Load(string path, RuntimeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        return FromReader(ArtifactReader.Open(path, (options ?? new RuntimeOptions()).VerificationMemo), options);
    }

    /// <summary>Loads an artifact from <paramref name="stream"/> (read to its end, not disposed).</summary>
    /// <param name="stream">The artifact's bytes.</param>
    /// <param name="sourceName">A name for errors and <see cref="Source"/>.</param>
    /// <param name="options">How to run it.</param>
    /// <exception cref="QllmException">The bytes are not a valid artifact, or one this runtime cannot run.</exception>
    public static QuantizedLanguageModel Load(Stream stream, string sourceName, RuntimeOptions? options = null) =>
        FromReader(ArtifactReader.Open(stream, sourceName), options);

    /// <summary>
    /// Loads an artifact embedded in <paramref name="assembly"/> as the manifest resource
    /// <paramref name="resourceName"/>. The resource is used in place (it is part of the mapped
    /// assembly image), not copied.
    /// </summary>
    /// <exception cref="QllmException">There is no such resource, or it is not a valid artifact.</exception>
    public static QuantizedLanguageModel LoadEmbedded(Assembly assembly, string resourceName, RuntimeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentNullException.ThrowIfNull(resourceName);
        var source = $"{assembly.GetName().Name}/{resourceName}";
        var stream = assembly.GetManifestResourceStream(resourceName)
            ?? throw new QllmException(ErrorCodes.InputNotFound, source, "the assembly has no such embedded resource", "rebuild the app so that the artifact is embedded");
        if (stream is UnmanagedMemoryStream inPlace)
        {
            return FromReader(ArtifactReader.Open(inPlace, source), options);
        }

        using (stream)
        {
            return Load(stream, source, options);
        }
    }

    /// <summary>
    /// Continues <paramref name="prompt"/> (after BOS) and returns the whole text. Stops at EOS, after
    /// <see cref="GenerationOptions.MaxTokens"/>, or at the end of the context.
    /// </summary>
    /// <exception cref="QllmException">The prompt does not fit the context (<see cref="ErrorCodes.PromptTooLong"/>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public GenerationResult Generate(string prompt, GenerationOptions? options = null, CancellationToken cancellationToken = default) =>
        Run(prompt, options, onText: null, cancellationToken);

    /// <summary>
    /// Continues <paramref name="prompt"/> and yields the continuation as it is generated, piece by
    /// piece (the prompt itself is not repeated). Generation runs on the thread pool; cancelling
    /// <paramref name="cancellationToken"/> or leaving the loop early stops it.
    /// </summary>
    /// <exception cref="QllmException">The prompt does not fit the context (<see cref="ErrorCodes.PromptTooLong"/>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public IAsyncEnumerable<string> GenerateStreamingAsync(string prompt, GenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return StreamAsync((onText, stop) => Run(prompt, options, onText, stop), cancellationToken);
    }

    /// <summary>
    /// Answers a conversation: the model's chat template renders <paramref name="messages"/> with the
    /// generation prompt (as transformers' <c>apply_chat_template</c> does), and the model generates
    /// the assistant's turn until its end-of-turn token (or EOS), a stop sequence, the token budget or
    /// the end of the context. <see cref="GenerationResult.Continuation"/> is the answer.
    /// A model without a chat template gets the plain format (see <see cref="HasChatTemplate"/>).
    /// </summary>
    /// <exception cref="QllmException">The template cannot be rendered, or refused the conversation (<see cref="ErrorCodes.BadChatTemplate"/>); the prompt does not fit the context (<see cref="ErrorCodes.PromptTooLong"/>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    [SuppressMessage("ApiDesign", "RS0027", Justification = "The same pair of overloads as Generate: the common call short, the callback one explicit.")]
    public GenerationResult Chat(IEnumerable<ChatTurn> messages, GenerationOptions? options = null, CancellationToken cancellationToken = default) =>
        RunChat(messages, options, onText: null, cancellationToken);

    /// <summary>
    /// Like <see cref="Chat(IEnumerable{ChatTurn}, GenerationOptions?, CancellationToken)"/>, and hands
    /// <paramref name="onText"/> the text as it grows on the calling thread: first the decoded prompt
    /// (special tokens left out), then each new piece of the answer.
    /// </summary>
    /// <exception cref="QllmException">The template cannot be rendered or refused the conversation (<see cref="ErrorCodes.BadChatTemplate"/>); the prompt does not fit the context (<see cref="ErrorCodes.PromptTooLong"/>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public GenerationResult Chat(IEnumerable<ChatTurn> messages, GenerationOptions? options, Action<string> onText, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onText);
        return RunChat(messages, options, onText, cancellationToken);
    }

    /// <summary>
    /// Answers a conversation as <see cref="Chat(IEnumerable{ChatTurn}, GenerationOptions?, CancellationToken)"/>
    /// does and yields the answer piece by piece. Generation runs on the thread pool; cancelling
    /// <paramref name="cancellationToken"/> or leaving the loop early stops it.
    /// </summary>
    /// <exception cref="QllmException">The template cannot be rendered or refused the conversation (<see cref="ErrorCodes.BadChatTemplate"/>); the prompt does not fit the context (<see cref="ErrorCodes.PromptTooLong"/>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public IAsyncEnumerable<string> ChatStreamingAsync(IEnumerable<ChatTurn> messages, GenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = messages.ToList();
        return StreamAsync((onText, stop) => RunChat(list, options, onText, stop), cancellationToken);
    }

    /// <summary>The prompt text <see cref="Chat(IEnumerable{ChatTurn}, GenerationOptions?, CancellationToken)"/> gives the model for <paramref name="messages"/> (special tokens written out).</summary>
    /// <param name="messages">The conversation.</param>
    /// <param name="addGenerationPrompt">Whether to end with the start of the assistant's turn, as a chat does.</param>
    /// <exception cref="QllmException">The template cannot be rendered or refused the conversation (<see cref="ErrorCodes.BadChatTemplate"/>).</exception>
    public string FormatChatPrompt(IEnumerable<ChatTurn> messages, bool addGenerationPrompt = true) =>
        _chat.Format(messages, addGenerationPrompt);

    /// <summary>
    /// The logits the model gives at every position of <paramref name="tokens"/> (run from an empty
    /// context, so the sequence usually starts with BOS): [tokens.Count × <see cref="VocabularySize"/>], row-major.
    /// </summary>
    /// <exception cref="ArgumentException">The sequence is empty, longer than the context, or holds an id outside the vocabulary.</exception>
    public float[] GetLogits(IReadOnlyList<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        CheckLength(tokens.Count);

        // A state of its own, dropped with the call: nothing is kept for the next.
        Enter();
        try
        {
            return _transformer.Forward(tokens.ToArray(), _transformer.NewState(), lastOnly: false, _workers);
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>
    /// Writes the logits the model gives at every position of <paramref name="tokens"/> (run from an
    /// empty context) into <paramref name="logits"/>: [tokens.Length × <see cref="VocabularySize"/>],
    /// row-major. For scoring many sequences (an evaluation): the working buffers of a call (the
    /// sequence's cache and a logits buffer as large as the logits) are kept by the model and reused by
    /// the next call, one set per call running at the same time, so that a sequence of calls
    /// allocates nothing. <see cref="GetLogits(IReadOnlyList{int})"/> keeps nothing.
    /// </summary>
    /// <exception cref="ArgumentException">The sequence is empty, longer than the context, or holds an id outside the vocabulary; or <paramref name="logits"/> is shorter than the logits.</exception>
    public void GetLogits(ReadOnlySpan<int> tokens, Span<float> logits)
    {
        CheckLength(tokens.Length);
        long size = (long)tokens.Length * VocabularySize;
        if (logits.Length < size)
        {
            throw new ArgumentException($"{logits.Length} values cannot hold the logits of {tokens.Length} positions ({size})", nameof(logits));
        }

        Enter();
        InferenceState? state = null;
        try
        {
            state = _idleStates.TryTake(out var idle) ? idle : _transformer.NewState();
            state.Length = 0;
            _transformer.Forward(tokens, state, lastOnly: false, _workers).AsSpan(0, (int)size).CopyTo(logits);
        }
        finally
        {
            // A state left mid-sequence by a failed call is reset by the next (Length = 0).
            if (state is not null)
            {
                _idleStates.Add(state);
            }

            Exit();
        }
    }

    private void CheckLength(int tokens)
    {
        if (tokens == 0 || tokens > ContextLength)
        {
            throw new ArgumentException($"{tokens} tokens: a sequence holds 1 to {ContextLength}{_transformer.WindowNote}", nameof(tokens));
        }
    }

    /// <summary>
    /// Releases the artifact (unmaps the file) and stops the model's worker threads. Calls already
    /// running finish first; the model cannot be used afterwards.
    /// </summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (_activeCalls > 0)
            {
                return;
            }
        }

        _reader?.Dispose();
        _workers.Dispose();
    }

    /// <summary>
    /// Loads an unquantized float32 model from a llama2.c checkpoint and runs it by the same code:
    /// the baseline a quantized model is measured against (<c>qllm eval</c> and <c>qllm generate</c> use it).
    /// </summary>
    /// <param name="checkpointPath">The llama2.c checkpoint (<c>.bin</c>).</param>
    /// <param name="tokenizerPath">Its tokenizer file (llama2.c <c>tokenizer.bin</c> or SentencePiece <c>tokenizer.model</c>).</param>
    /// <param name="options">How to run it.</param>
    /// <exception cref="QllmException">A file is missing or malformed.</exception>
    public static QuantizedLanguageModel LoadFullPrecision(string checkpointPath, string tokenizerPath, RuntimeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(checkpointPath);
        ArgumentNullException.ThrowIfNull(tokenizerPath);
        var transformer = Llama2CFloatLoader.Load(checkpointPath);
        var tokenizer = TokenizerFiles.Load(tokenizerPath, transformer.Config.VocabSize);
        return new QuantizedLanguageModel(transformer, tokenizer, null, checkpointPath, string.Empty, 32, 16, options);
    }

    private static QuantizedLanguageModel FromReader(ArtifactReader reader, RuntimeOptions? options)
    {
        try
        {
            var (transformer, tokenizer, spec) = ArtifactModelLoader.Load(reader, interleave: options?.WeightsInPlace != true);
            return new QuantizedLanguageModel(transformer, tokenizer, reader, reader.Source, reader.Digest, spec.WeightBits, spec.ActivationBits, options);
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Like <see cref="Generate(string, GenerationOptions?, CancellationToken)"/>, and hands
    /// <paramref name="onText"/> the text as it grows on the calling thread: first the decoded prompt,
    /// then each new piece (what <c>qllm generate</c> prints).
    /// </summary>
    /// <exception cref="QllmException">The prompt does not fit the context (<see cref="ErrorCodes.PromptTooLong"/>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public GenerationResult Generate(string prompt, GenerationOptions? options, Action<string> onText, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onText);
        return Run(prompt, options, onText, cancellationToken);
    }

    private GenerationResult Run(string prompt, GenerationOptions? options, Action<string>? onText, CancellationToken cancellationToken)
    {
        Enter();
        try
        {
            var state = _transformer.NewState();
            return GenerationLoop.Run(Tokenizer, ContextLength, prompt, options ?? new GenerationOptions(), pending => _transformer.Forward(pending, state, lastOnly: true, _workers), onText, cancellationToken);
        }
        finally
        {
            Exit();
        }
    }

    private GenerationResult RunChat(IEnumerable<ChatTurn> messages, GenerationOptions? options, Action<string>? onText, CancellationToken cancellationToken)
    {
        var tokens = _chat.Tokens(_chat.Format(messages, addGenerationPrompt: true));
        Enter();
        try
        {
            var state = _transformer.NewState();
            return GenerationLoop.Run(Tokenizer, ContextLength, tokens, _chat.EndOfTurn, options ?? new GenerationOptions(), pending => _transformer.Forward(pending, state, lastOnly: true, _workers), onText, cancellationToken);
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Runs <paramref name="run"/> on the thread pool and yields what it hands its callback after the first call (the prompt).</summary>
    private static async IAsyncEnumerable<string> StreamAsync(Func<Action<string>, CancellationToken, GenerationResult> run, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pieces = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var producer = Task.Run(
            () =>
            {
                bool first = true;
                try
                {
                    run(
                        piece =>
                        {
                            if (!first)
                            {
                                pieces.Writer.TryWrite(piece);
                            }

                            first = false;
                        },
                        stop.Token);
                    pieces.Writer.Complete();
                }
                catch (Exception e)
                {
                    pieces.Writer.Complete(e);
                }
            },
            CancellationToken.None);
        try
        {
            await foreach (var piece in pieces.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                // Pieces generated ahead of the reader are not handed out once the caller cancelled.
                cancellationToken.ThrowIfCancellationRequested();
                yield return piece;
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await producer.ConfigureAwait(false);
        }
    }

    // The weights may be mapped from the file: a call in progress keeps them mapped until it ends.
    private void Enter()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _activeCalls++;
        }
    }

    private void Exit()
    {
        lock (_gate)
        {
            if (--_activeCalls > 0 || !_disposed)
            {
                return;
            }
        }

        _reader?.Dispose();
        _workers.Dispose();
    }
}
