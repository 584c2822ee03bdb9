namespace Qllm.Artifacts.Schema;

/// <summary>
/// Llama 3.1/3.2's rescaling of the rotary inverse frequencies (<c>rope_scaling</c> with
/// <c>rope_type</c> <c>llama3</c>): the one RoPE scaling this engine runs. The angles of every
/// position change, so it is part of the model's shape (<see cref="RotaryFrequencies"/>).
/// </summary>
/// <param name="Factor">How much longer the extended context is: low frequencies are divided by it.</param>
/// <param name="LowFreqFactor">Wavelengths above original context / this are fully scaled.</param>
/// <param name="HighFreqFactor">Wavelengths below original context / this are left alone.</param>
/// <param name="OriginalContext">The context the model was pretrained with (<c>original_max_position_embeddings</c>).</param>
public sealed record RopeScaling(double Factor, double LowFreqFactor, double HighFreqFactor, int OriginalContext)
{
    /// <summary>The <c>type</c> the <c>config</c> metadata and Hugging Face's <c>rope_type</c> give it.</summary>
    public const string Llama3Type = "llama3";
}
