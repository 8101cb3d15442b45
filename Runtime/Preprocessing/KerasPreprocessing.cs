using System;

namespace Xception.Compiler.Runtime.Preprocessing;

/// <summary>
/// Keras's <c>preprocess_input</c> (keras/src/applications/imagenet_utils.py <c>_preprocess_numpy_input</c>) on
/// interleaved RGB bytes, channels last. Keras casts the array to float32 and applies each step in place with
/// float32 arithmetic (numpy keeps float32 when a Python float meets a float32 array); the same steps in the
/// same order are done here, so results agree bit for bit with Keras on numpy input.
/// </summary>
public static class KerasPreprocessing
{
    // The constants as numpy rounds them to float32 when they meet the float32 array.
    private static readonly float[] s_caffeMeanBgr = { 103.939f, 116.779f, 123.68f };
    private static readonly float[] s_torchMean = { 0.485f, 0.456f, 0.406f };
    private static readonly float[] s_torchStd = { 0.229f, 0.224f, 0.225f };

    /// <summary>The lowercase name a description uses for <paramref name="mode"/> (<c>"tf"</c>, <c>"caffe"</c>, <c>"torch"</c>, <c>"none"</c>).</summary>
    public static string Name(ImagePreprocessing mode) => mode switch
    {
        ImagePreprocessing.Tf => "tf",
        ImagePreprocessing.Caffe => "caffe",
        ImagePreprocessing.Torch => "torch",
        ImagePreprocessing.None => "none",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown preprocessing mode."),
    };

    /// <summary>
    /// Preprocesses RGB bytes (three per pixel, R first) into <paramref name="destination"/>, one float per byte,
    /// in the channel order the model expects (BGR for <see cref="ImagePreprocessing.Caffe"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The lengths differ, or are not a whole number of RGB pixels.</exception>
    public static void Apply(ImagePreprocessing mode, ReadOnlySpan<byte> rgb, Span<float> destination)
    {
        if (destination.Length != rgb.Length)
        {
            throw new ArgumentException(
                $"Expected a destination of {rgb.Length} floats (one per byte), found {destination.Length}.", nameof(destination));
        }

        if (rgb.Length % 3 != 0)
        {
            throw new ArgumentException($"Expected RGB pixels (a multiple of 3 bytes), found {rgb.Length} bytes.", nameof(rgb));
        }

        switch (mode)
        {
            case ImagePreprocessing.Tf:
                KerasImage.Preprocess(rgb, destination);
                break;
            case ImagePreprocessing.Caffe:
                for (int i = 0; i < rgb.Length; i += 3)
                {
                    // x = x[..., ::-1]; x[..., c] -= mean[c]
                    for (int c = 0; c < 3; c++)
                    {
                        destination[i + c] = rgb[i + 2 - c] - s_caffeMeanBgr[c];
                    }
                }

                break;
            case ImagePreprocessing.Torch:
                for (int i = 0; i < rgb.Length; i += 3)
                {
                    // x /= 255; x[..., c] -= mean[c]; x[..., c] /= std[c]
                    for (int c = 0; c < 3; c++)
                    {
                        destination[i + c] = (rgb[i + c] / 255f - s_torchMean[c]) / s_torchStd[c];
                    }
                }

                break;
            case ImagePreprocessing.None:
                for (int i = 0; i < rgb.Length; i++)
                {
                    destination[i] = rgb[i];
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown preprocessing mode.");
        }
    }
}
