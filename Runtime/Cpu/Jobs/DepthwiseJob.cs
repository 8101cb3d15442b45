using System.Runtime.CompilerServices;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Execution;
using static Xception.Compiler.Runtime.Cpu.PinnedArray;

namespace Xception.Compiler.Runtime.Cpu.Jobs;

internal sealed unsafe class DepthwiseJob : IParallelJob
{
    private readonly CpuBackend owner;
    public DepthwiseConvShape Shape;
    public float[]? Input, Output, Residual, Kernel, Bias;

    public DepthwiseJob(CpuBackend owner) => this.owner = owner;

    public void Clear() => Input = Output = Residual = Kernel = Bias = null;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Execute(int task, int worker)
    {
        DepthwiseConvShape s = Shape;
        int n = task / s.OutHeight, oy = task % s.OutHeight;
        int taps = s.KernelHeight * s.KernelWidth;
        int* tapX = (int*)owner.Scratch(worker, 2 * taps), tapW = tapX + taps;
        float* image = Pointer(Input) + (long)n * s.InHeight * s.InWidth * s.Channels;
        for (int ox = 0; ox < s.OutWidth; ox++)
        {
            int valid = 0;
            for (int ky = 0; ky < s.KernelHeight; ky++)
            {
                int iy = oy * s.StrideHeight - s.PadTop + ky;
                for (int kx = 0; kx < s.KernelWidth; kx++)
                {
                    int ix = ox * s.StrideWidth - s.PadLeft + kx;
                    if ((uint)iy < (uint)s.InHeight && (uint)ix < (uint)s.InWidth)
                    {
                        tapX[valid] = (iy * s.InWidth + ix) * s.Channels;
                        tapW[valid] = (ky * s.KernelWidth + kx) * s.Channels;
                        valid++;
                    }
                }
            }

            long at = (((long)n * s.OutHeight + oy) * s.OutWidth + ox) * s.Channels;
            float* dst = Pointer(Output) + at;
            ChannelMath.DepthwisePixel(owner.Isa, image, tapX, tapW, valid, Pointer(Kernel), dst, s.Channels, s.ReluInput != 0);
            ChannelMath.Finish(owner.Isa, dst, dst, Pointer(Bias), Residual is null ? null : Pointer(Residual) + at, s.Channels, s.ReluOutput != 0,
                ConvolutionGeometry.ReluBound(s.ReluMax));
        }

        // A sigmoid or swish in the store: over the output row just written (in L1/L2), not a pass of its own.
        if (s.Activation != 0)
        {
            long row = ((long)n * s.OutHeight + oy) * s.OutWidth * s.Channels;
            StoreActivation.Apply(owner.Isa, s.Activation, Pointer(Output) + row, 1, s.OutWidth * s.Channels, 0);
        }
    }
}
