namespace Xception.Compiler.Runtime.Cpu.Int8;

/// <summary>
/// The observed range of one tensor an int8 step quantizes, and the u8 quantization chosen for it.
/// </summary>
/// <param name="Step">The separable step's position among the model's separable steps, in run order (0-based).</param>
/// <param name="Shape">The quantized tensor's shape per image, "HxWxC" (the step's depthwise output, the pointwise GEMM's input):
/// checked when the step runs, so a file for another model fails by name instead of quantizing the wrong tensor.</param>
/// <param name="Min">The smallest value seen.</param>
/// <param name="Max">The largest value seen.</param>
/// <param name="Scale">s_a of <see cref="ActivationQuantization"/>.</param>
/// <param name="ZeroPoint">z_a of <see cref="ActivationQuantization"/>.</param>
public sealed record CalibratedTensor(int Step, string Shape, float Min, float Max, float Scale, int ZeroPoint)
{
    internal ActivationQuantization Quantization => new(Scale, ZeroPoint);
}
