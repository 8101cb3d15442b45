using System;
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

        // The outputs whose windows lie inside the input horizontally run four at a time (DepthwiseRun); the few
        // at the left and right borders, whose padded taps are left out, one at a time below.
        int firstIy = oy * s.StrideHeight - s.PadTop;
        int ky0 = Math.Max(0, -firstIy), ky1 = Math.Min(s.KernelHeight, s.InHeight - firstIy);
        int interiorStart = Math.Min(s.OutWidth, (s.PadLeft + s.StrideWidth - 1) / s.StrideWidth);
        int interiorEnd = s.InWidth - s.KernelWidth + s.PadLeft < 0 ? 0
            : Math.Min(s.OutWidth, (s.InWidth - s.KernelWidth + s.PadLeft) / s.StrideWidth + 1);
        if (interiorEnd > interiorStart && ky1 > ky0)
        {
            var layout = new DepthwiseRunLayout(s.Channels, s.KernelWidth, ky1 - ky0, (nint)s.InWidth * s.Channels,
                (nint)s.StrideWidth * s.Channels, s.ReluInput != 0, s.ReluOutput != 0, ConvolutionGeometry.ReluBound(s.ReluMax));
            long first = (((long)n * s.OutHeight + oy) * s.OutWidth + interiorStart) * s.Channels;
            float* x = image + ((long)(firstIy + ky0) * s.InWidth + interiorStart * s.StrideWidth - s.PadLeft) * s.Channels;
            DepthwiseRun.Interior(owner.Isa, layout, x, Pointer(Kernel) + (long)ky0 * s.KernelWidth * s.Channels, Pointer(Bias),
                Residual is null ? null : Pointer(Residual) + first, Pointer(Output) + first, interiorEnd - interiorStart);
        }
        else
        {
            interiorStart = interiorEnd = s.OutWidth;
        }

        for (int ox = 0; ox < s.OutWidth; ox++)
        {
            if (ox == interiorStart)
            {
                ox = interiorEnd - 1;
                continue;
            }

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
