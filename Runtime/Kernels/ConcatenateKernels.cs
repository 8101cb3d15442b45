using ILGPU;
using ILGPU.Runtime;
using Xception.Compiler.Runtime.CompilerServices;

namespace Xception.Compiler.Runtime.Kernels;

/// <summary>A concatenation input copied into its channel slice, for a branch whose producer could not write it there.</summary>
internal static class ConcatenateKernels
{
    /// <summary>Index space: batch × Pixels × Channels, one input value each.</summary>
    public static void ChannelSlice(
        Index1D index,
        SpecializedValue<ChannelSliceShape> shapeValue,
        ArrayView<float> input,
        ArrayView<float> output)
    {
        ChannelSliceShape s = shapeValue.Value;
        int pixel = index / s.Channels;
        int channel = index - pixel * s.Channels;
        output[(long)pixel * s.OutChannels + s.OutChannelOffset + channel] = input[index];
    }
}
