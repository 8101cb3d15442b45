using System.Runtime.CompilerServices;
using ILGPU.Runtime;
using ILGPU;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Execution;
using static Xception.Compiler.Runtime.Kernels.KernelMath;

namespace Xception.Compiler.Runtime.Kernels;

/// <summary>
/// Convolutions as tiled GEMMs in shared memory with register blocking (explicitly grouped kernels).
/// C[M×N] = A[M×K] · B[K×N] with M = batch·OutH·OutW pixels, N = output channels, K = the reduction:
/// <list type="bullet">
/// <item><see cref="Separable"/>: A is the depthwise output (ReLU prologue, KH×KW taps), computed per
/// K-slice straight into shared memory, so it never reaches device memory; B the pointwise weights.</item>
/// <item><see cref="Conv"/>: A is the im2col view of the input (1×1 convolutions read it directly);
/// B the HWIO kernel seen as [(ky·KW + kx)·Cin + ci, Out].</item>
/// </list>
/// One group of <see cref="GroupSize"/> threads computes a <see cref="TileM"/>×<see cref="TileN"/> block
/// of C, every thread a 4×4 micro-tile held in registers (pixels ty + 16i, channels tx + 16j, so the
/// shared-memory reads of a warp are broadcasts or hit distinct banks and the stores are coalesced).
/// The K loop stages a <see cref="TileK"/>-deep slice of A and B in shared memory (8.1 KB). Tails in M,
/// N and K are zero-filled on load and masked on store. Epilogue: reluOut(acc + bias + residual).
/// Launch: grid (ceil(M/64), ceil(N/64)), group (256); see <see cref="Config"/>.
/// </summary>
internal static class PointwiseConvKernels
{
    public const int TileM = 64;
    public const int TileN = 64;
    public const int TileK = 16;
    public const int GroupSize = 256;

    // A is stored k-major with a padded row (65 floats) so that the transposing store of a warp
    // (16 k × 2 pixels) spreads over the banks instead of hitting one.
    private const int StrideA = TileM + 1;

    /// <summary>The launch configuration for an M×N output.</summary>
    public static KernelConfig Config(long pixels, int outChannels) => new(
        new Index2D(checked((int)((pixels + TileM - 1) / TileM)), (outChannels + TileN - 1) / TileN),
        new Index2D(GroupSize, 1));

    /// <summary>A separable block: depthwise into shared memory, then the pointwise GEMM.</summary>
    public static void Separable(
        SpecializedValue<SeparableConvShape> shapeValue,
        int pixels,
        ArrayView<float> input,
        ArrayView<float> depthwise,
        ArrayView<float> pointwise,
        ArrayView<float> bias,
        ArrayView<float> residual,
        ArrayView<float> output)
    {
        SeparableConvShape s = shapeValue.Value;
        var operand = new DepthwiseOperand(s, input, depthwise);
        Gemm(operand, pixels, s.OutChannels, s.InChannels, pointwise, bias, residual, output, s.OutChannels, s.HasResidual, s.ReluOutput, s.ReluMax, s.Activation);
    }

    /// <summary>A dense convolution (any kernel size) as an implicit GEMM.</summary>
    public static void Conv(
        SpecializedValue<Conv2DShape> shapeValue,
        int pixels,
        ArrayView<float> input,
        ArrayView<float> kernel,
        ArrayView<float> bias,
        ArrayView<float> residual,
        ArrayView<float> output)
    {
        Conv2DShape s = shapeValue.Value;
        var operand = new Im2ColOperand(s, input);
        Gemm(operand, pixels, s.OutChannels, s.KernelHeight * s.KernelWidth * s.InChannels,
            kernel, bias, residual, output, s.OutputPixelFloats, s.HasResidual, s.ReluOutput, s.ReluMax, s.Activation);
    }

    /// <summary>
    /// The <c>prologue</c> argument of <see cref="ConvWithPrologue"/>: its low bits say which parts of the channel prologue
    /// it has, the bits from <see cref="ProloguePixelShift"/> up the floats from one input pixel to the next (one int, so
    /// the launch stays within the arguments a stream kernel takes).
    /// </summary>
    public const int PrologueFactor = 1, PrologueScale = 2, PrologueShift = 4, PrologueRelu = 8, ProloguePixelShift = 4;

    /// <summary>
    /// A 1×1 convolution (stride 1, unpadded) whose A is relu?(x · factor[image] · scale + shift) per channel, applied as
    /// A is loaded into shared memory (<see cref="ChannelPrologue"/>): absent parts are skipped by the bits of
    /// <paramref name="prologue"/>, and their views may be any view then.
    /// </summary>
    public static void ConvWithPrologue(
        SpecializedValue<Conv2DShape> shapeValue,
        int pixels,
        int prologue,
        ArrayView<float> input,
        ArrayView<float> factor,
        ArrayView<float> scale,
        ArrayView<float> shift,
        ArrayView<float> kernel,
        ArrayView<float> bias,
        ArrayView<float> residual,
        ArrayView<float> output)
    {
        Conv2DShape s = shapeValue.Value;
        var operand = new PrologueOperand(s.InChannels, prologue >> ProloguePixelShift, s.OutHeight * s.OutWidth, prologue, input, factor, scale, shift);
        Gemm(operand, pixels, s.OutChannels, s.InChannels, kernel, bias, residual, output, s.OutputPixelFloats, s.HasResidual, s.ReluOutput, s.ReluMax, s.Activation);
    }

    /// <summary>
    /// <see cref="ConvWithPrologue"/> for <see cref="KernelFamily.Simple"/> (ILGPU's CPU accelerator, whose groups are too
    /// small for the tiles): one thread per (pixel, output channel), no shared memory. Index space: batch·OutH·OutW·Out.
    /// </summary>
    public static void SimpleConvWithPrologue(
        Index1D index,
        SpecializedValue<Conv2DShape> shapeValue,
        int prologue,
        ArrayView<float> input,
        ArrayView<float> factor,
        ArrayView<float> scale,
        ArrayView<float> shift,
        ArrayView<float> kernel,
        ArrayView<float> bias,
        ArrayView<float> residual,
        ArrayView<float> output)
    {
        Conv2DShape s = shapeValue.Value;
        int channel = index % s.OutChannels;
        int pixel = index / s.OutChannels;
        var operand = new PrologueOperand(s.InChannels, prologue >> ProloguePixelShift, s.OutHeight * s.OutWidth, prologue, input, factor, scale, shift);
        float sum = 0f;
        for (int k = 0; k < s.InChannels; k++)
        {
            sum = operand.Load(pixel, k) * kernel[k * s.OutChannels + channel] + sum;
        }

        Store(output, bias, residual, pixel * s.OutputPixelFloats, channel, s.HasResidual, s.ReluOutput, s.ReluMax, s.Activation, sum);
    }

    /// <summary>Produces A[m, k] for the GEMM (only called with m &lt; M and k &lt; K).</summary>
    public interface IOperand
    {
        float Load(int m, int k);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Gemm<TOperand>(
        TOperand a, int m, int n, int k,
        ArrayView<float> b, ArrayView<float> bias, ArrayView<float> residual, ArrayView<float> output, int ldc,
        int hasResidual, int reluOutput, int reluMax, int activation)
        where TOperand : struct, IOperand
    {
        ArrayView<float> tileA = SharedMemory.Allocate<float>(TileK * StrideA);
        ArrayView<float> tileB = SharedMemory.Allocate<float>(TileK * TileN);

        int t = Group.IdxX;
        int tx = t % 16;
        int ty = t / 16;
        int m0 = Grid.IdxX * TileM;
        int n0 = Grid.IdxY * TileN;

        // Loader roles: A element (pixel aRow + 16i, k aCol), B element (k bRow + 4i, channel bCol).
        int aCol = t % TileK;
        int aRow = t / TileK;
        int bCol = t % TileN;
        int bRow = t / TileN;
        bool bInN = n0 + bCol < n;

        var c = default(MicroTile);

        for (int k0 = 0; k0 < k; k0 += TileK)
        {
            int ka = k0 + aCol;
            bool aInK = ka < k;
            int mA = m0 + aRow;
            tileA[aCol * StrideA + aRow] = aInK && mA < m ? a.Load(mA, ka) : 0f;
            tileA[aCol * StrideA + aRow + 16] = aInK && mA + 16 < m ? a.Load(mA + 16, ka) : 0f;
            tileA[aCol * StrideA + aRow + 32] = aInK && mA + 32 < m ? a.Load(mA + 32, ka) : 0f;
            tileA[aCol * StrideA + aRow + 48] = aInK && mA + 48 < m ? a.Load(mA + 48, ka) : 0f;

            int kb = k0 + bRow;
            int bAt = kb * n + n0 + bCol;
            tileB[bRow * TileN + bCol] = bInN && kb < k ? b[bAt] : 0f;
            tileB[(bRow + 4) * TileN + bCol] = bInN && kb + 4 < k ? b[bAt + 4 * n] : 0f;
            tileB[(bRow + 8) * TileN + bCol] = bInN && kb + 8 < k ? b[bAt + 8 * n] : 0f;
            tileB[(bRow + 12) * TileN + bCol] = bInN && kb + 12 < k ? b[bAt + 12 * n] : 0f;
            Group.Barrier();

            // Four steps per iteration: ILGPU does not unroll loops, and a fully unrolled slice lets
            // ptxas hoist all 128 shared loads (about 240 registers, one group per SM).
            for (int kk = 0; kk < TileK; kk += 4)
            {
                int pa = kk * StrideA + ty;
                int pb = kk * TileN + tx;
                c = MicroTile.Step(c, tileA, tileB, pa, pb);
                c = MicroTile.Step(c, tileA, tileB, pa + StrideA, pb + TileN);
                c = MicroTile.Step(c, tileA, tileB, pa + 2 * StrideA, pb + 2 * TileN);
                c = MicroTile.Step(c, tileA, tileB, pa + 3 * StrideA, pb + 3 * TileN);
            }

            Group.Barrier();
        }

        int row = m0 + ty;
        int col = n0 + tx;
        StoreRow(output, bias, residual, row, col, m, n, ldc, hasResidual, reluOutput, reluMax, activation, c.C00, c.C01, c.C02, c.C03);
        StoreRow(output, bias, residual, row + 16, col, m, n, ldc, hasResidual, reluOutput, reluMax, activation, c.C10, c.C11, c.C12, c.C13);
        StoreRow(output, bias, residual, row + 32, col, m, n, ldc, hasResidual, reluOutput, reluMax, activation, c.C20, c.C21, c.C22, c.C23);
        StoreRow(output, bias, residual, row + 48, col, m, n, ldc, hasResidual, reluOutput, reluMax, activation, c.C30, c.C31, c.C32, c.C33);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(
        ArrayView<float> output, ArrayView<float> bias, ArrayView<float> residual,
        int row, int col, int m, int n, int ldc, int hasResidual, int reluOutput, int reluMax, int activation,
        float v0, float v1, float v2, float v3)
    {
        if (row >= m)
        {
            return;
        }

        int pixelBase = row * ldc;
        if (col < n) Store(output, bias, residual, pixelBase, col, hasResidual, reluOutput, reluMax, activation, v0);
        if (col + 16 < n) Store(output, bias, residual, pixelBase, col + 16, hasResidual, reluOutput, reluMax, activation, v1);
        if (col + 32 < n) Store(output, bias, residual, pixelBase, col + 32, hasResidual, reluOutput, reluMax, activation, v2);
        if (col + 48 < n) Store(output, bias, residual, pixelBase, col + 48, hasResidual, reluOutput, reluMax, activation, v3);
    }

    /// <summary>
    /// One thread's 4×4 accumulators (pixels ty + 16i, channels tx + 16j). A value type passed through
    /// pure functions, so ILGPU keeps all sixteen in registers.
    /// </summary>
    private struct MicroTile
    {
        public float C00, C01, C02, C03, C10, C11, C12, C13, C20, C21, C22, C23, C30, C31, C32, C33;

        /// <summary>One k of the outer product: a = 4 pixels of A at <paramref name="pa"/>, b = 4 channels of B at <paramref name="pb"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static MicroTile Step(MicroTile c, ArrayView<float> tileA, ArrayView<float> tileB, int pa, int pb)
        {
            float a0 = tileA[pa];
            float a1 = tileA[pa + 16];
            float a2 = tileA[pa + 32];
            float a3 = tileA[pa + 48];
            float b0 = tileB[pb];
            float b1 = tileB[pb + 16];
            float b2 = tileB[pb + 32];
            float b3 = tileB[pb + 48];
            c.C00 = a0 * b0 + c.C00; c.C01 = a0 * b1 + c.C01; c.C02 = a0 * b2 + c.C02; c.C03 = a0 * b3 + c.C03;
            c.C10 = a1 * b0 + c.C10; c.C11 = a1 * b1 + c.C11; c.C12 = a1 * b2 + c.C12; c.C13 = a1 * b3 + c.C13;
            c.C20 = a2 * b0 + c.C20; c.C21 = a2 * b1 + c.C21; c.C22 = a2 * b2 + c.C22; c.C23 = a2 * b3 + c.C23;
            c.C30 = a3 * b0 + c.C30; c.C31 = a3 * b1 + c.C31; c.C32 = a3 * b2 + c.C32; c.C33 = a3 * b3 + c.C33;
            return c;
        }
    }

    /// <summary>A[m, c] = depthwise output of channel c at output pixel m (ReLU on its input when asked), through the depthwise stage.</summary>
    private readonly struct DepthwiseOperand : IOperand
    {
        private readonly SeparableConvShape s;
        private readonly ArrayView<float> input;
        private readonly ArrayView<float> depthwise;

        public DepthwiseOperand(SeparableConvShape s, ArrayView<float> input, ArrayView<float> depthwise)
        {
            this.s = s;
            this.input = input;
            this.depthwise = depthwise;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Load(int m, int c)
        {
            int ox = m % s.OutWidth;
            int rest = m / s.OutWidth;
            int oy = rest % s.OutHeight;
            int image = rest / s.OutHeight;
            int channels = s.InChannels;
            int iy0 = oy * s.StrideHeight - s.PadTop;
            int ix0 = ox * s.StrideWidth - s.PadLeft;
            int p = ((image * s.InHeight + iy0) * s.InWidth + ix0) * channels + c;
            if (s.KernelHeight != 3 || s.KernelWidth != 3)
            {
                return SeparableConvKernels.DepthwiseStage(s, depthwise, c, DepthwiseConvKernels.TapSum(input, depthwise, p, iy0, ix0, c, channels,
                    s.InHeight, s.InWidth, s.KernelHeight, s.KernelWidth, s.ReluInput));
            }

            // Straight-line 3×3 taps: ILGPU does not unroll loops.
            int rowStride = s.InWidth * channels;
            bool r0 = iy0 >= 0 && iy0 < s.InHeight;
            bool r1 = iy0 + 1 >= 0 && iy0 + 1 < s.InHeight;
            bool r2 = iy0 + 2 >= 0 && iy0 + 2 < s.InHeight;
            bool q0 = ix0 >= 0 && ix0 < s.InWidth;
            bool q1 = ix0 + 1 >= 0 && ix0 + 1 < s.InWidth;
            bool q2 = ix0 + 2 >= 0 && ix0 + 2 < s.InWidth;
            int relu = s.ReluInput;
            float d = 0f;
            if (r0 && q0) d = depthwise[c] * Relu(input[p], relu) + d;
            if (r0 && q1) d = depthwise[channels + c] * Relu(input[p + channels], relu) + d;
            if (r0 && q2) d = depthwise[2 * channels + c] * Relu(input[p + 2 * channels], relu) + d;
            p += rowStride;
            if (r1 && q0) d = depthwise[3 * channels + c] * Relu(input[p], relu) + d;
            if (r1 && q1) d = depthwise[4 * channels + c] * Relu(input[p + channels], relu) + d;
            if (r1 && q2) d = depthwise[5 * channels + c] * Relu(input[p + 2 * channels], relu) + d;
            p += rowStride;
            if (r2 && q0) d = depthwise[6 * channels + c] * Relu(input[p], relu) + d;
            if (r2 && q1) d = depthwise[7 * channels + c] * Relu(input[p + channels], relu) + d;
            if (r2 && q2) d = depthwise[8 * channels + c] * Relu(input[p + 2 * channels], relu) + d;
            return SeparableConvKernels.DepthwiseStage(s, depthwise, c, d);
        }
    }

    /// <summary>A[m, k] = the input tap k = (ky·KW + kx)·Cin + ci under output pixel m (0 in the padding).</summary>
    private readonly struct Im2ColOperand : IOperand
    {
        private readonly Conv2DShape s;
        private readonly ArrayView<float> input;

        public Im2ColOperand(Conv2DShape s, ArrayView<float> input)
        {
            this.s = s;
            this.input = input;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Load(int m, int k)
        {
            int ox = m % s.OutWidth;
            int rest = m / s.OutWidth;
            int oy = rest % s.OutHeight;
            int image = rest / s.OutHeight;
            int ci = k;
            int ky = 0;
            int kx = 0;
            if (s.KernelHeight != 1 || s.KernelWidth != 1)
            {
                ci = k % s.InChannels;
                int tap = k / s.InChannels;
                ky = tap / s.KernelWidth;
                kx = tap % s.KernelWidth;
            }

            int iy = oy * s.StrideHeight - s.PadTop + ky;
            int ix = ox * s.StrideWidth - s.PadLeft + kx;
            if (iy < 0 || iy >= s.InHeight || ix < 0 || ix >= s.InWidth)
            {
                return 0f;
            }

            return Relu(input[((image * s.InHeight + iy) * s.InWidth + ix) * s.InChannels + ci], s.ReluInput);
        }
    }

    /// <summary>A[m, c] = relu?(x[m, c] · factor[image of m, c] · scale[c] + shift[c]): a 1×1 stride-1 convolution's input through its prologue.</summary>
    private readonly struct PrologueOperand : IOperand
    {
        private readonly int channels;
        private readonly int pixelFloats;
        private readonly int imagePixels;
        private readonly int prologue;
        private readonly ArrayView<float> input;
        private readonly ArrayView<float> factor;
        private readonly ArrayView<float> scale;
        private readonly ArrayView<float> shift;

        public PrologueOperand(int channels, int pixelFloats, int imagePixels, int prologue, ArrayView<float> input, ArrayView<float> factor, ArrayView<float> scale, ArrayView<float> shift)
        {
            this.channels = channels;
            this.pixelFloats = pixelFloats;
            this.imagePixels = imagePixels;
            this.prologue = prologue;
            this.input = input;
            this.factor = factor;
            this.scale = scale;
            this.shift = shift;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Load(int m, int k)
        {
            float x = input[m * pixelFloats + k];
            if ((prologue & PrologueFactor) != 0)
            {
                x *= factor[m / imagePixels * channels + k];
            }

            if ((prologue & PrologueScale) != 0)
            {
                x *= scale[k];
            }

            if ((prologue & PrologueShift) != 0)
            {
                x += shift[k];
            }

            return Relu(x, prologue & PrologueRelu);
        }
    }
}
