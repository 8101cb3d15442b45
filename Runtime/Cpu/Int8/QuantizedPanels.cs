using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Xception.Compiler.Runtime.Cpu.Int8;

/// <summary>
/// A K×N float weight matrix (row-major, as <see cref="PackedPanels"/> takes it) quantized per output channel
/// and repacked for <see cref="Int8Gemm"/>. Channel n gets the symmetric scale s[n] = max_k |w[k, n]| / <see cref="MaxWeight"/>
/// and q[k, n] = round(w[k, n] / s[n]), zero point 0. Panels hold <see cref="Width"/> channels; within a panel,
/// K is taken in groups of 4 (K rounded up with zero weights), and group g is 4·Width bytes: for each channel,
/// its 4 weights k = 4g..4g+3 (one int32 lane of VPDPBUSD, or two s16 pairs of VPMADDUBSW). The activations'
/// zero point is folded in at packing time: C = Σ q_a·q_w − z_a·Σ_k q_w, the second term per channel in
/// <see cref="Corrections"/>, and s_a·s[n] in <see cref="OutputScales"/>.
/// </summary>
internal sealed unsafe class QuantizedPanels
{
    /// <summary>Output channels per panel: two Vector512 registers of int32 accumulators.</summary>
    public const int Width = 32;

    /// <summary>K is consumed 4 bytes at a time (one broadcast int32 of activations).</summary>
    public const int KGroup = 4;

    /// <summary>
    /// The largest weight magnitude. 7 bits, not 8: VPMADDUBSW adds two u8·s8 products into a saturating s16, and
    /// 2·255·63 = 32130 fits while 2·255·127 does not; with 63 the Avx512BW path is exact, like VPDPBUSD
    /// (ONNX Runtime's "reduce_range" makes the same choice for the same instruction).
    /// </summary>
    public const int MaxWeight = 63;

    private readonly sbyte[] storage;

    private QuantizedPanels(int k, int n, ActivationQuantization input, sbyte[] storage, int offset, float[] weightScales, int[] corrections, float[] outputScales)
    {
        K = k;
        N = n;
        Input = input;
        this.storage = storage;
        Offset = offset;
        WeightScales = weightScales;
        Corrections = corrections;
        OutputScales = outputScales;
        Pointer = (sbyte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(storage)) + offset;
    }

    public int K { get; }

    /// <summary>K rounded up to a multiple of <see cref="KGroup"/>: the bytes each row of activations must have.</summary>
    public int PaddedK => (K + KGroup - 1) / KGroup * KGroup;

    public int N { get; }

    public int Panels => (N + Width - 1) / Width;

    /// <summary>The activation quantization the corrections were folded for.</summary>
    public ActivationQuantization Input { get; }

    /// <summary>s[n], the float value of one weight step of channel n (N entries).</summary>
    public float[] WeightScales { get; }

    /// <summary>z_a · Σ_k q[k, n], subtracted from the int32 sums (Panels·Width entries, 0 past N).</summary>
    public int[] Corrections { get; }

    /// <summary>s_a · s[n]: one int32 sum step in output units (Panels·Width entries, 0 past N).</summary>
    public float[] OutputScales { get; }

    /// <summary>Panels × PaddedK × Width bytes, pinned and 64-byte aligned (each group is two whole cache lines).</summary>
    public sbyte* Pointer { get; }

    private int Offset { get; }

    /// <summary>The packed bytes (for tests and diagnostics).</summary>
    public ReadOnlySpan<sbyte> Data => storage.AsSpan(Offset, Panels * PaddedK * Width);

    /// <summary>q[k, n] as packed.</summary>
    public sbyte Weight(int k, int n) =>
        storage[Offset + ((n / Width) * PaddedK + k / KGroup * KGroup) * Width + (n % Width) * KGroup + k % KGroup];

    public static QuantizedPanels Pack(ReadOnlySpan<float> kn, int k, int n, ActivationQuantization input)
    {
        if (k <= 0 || n <= 0 || kn.Length != (long)k * n)
        {
            throw new ArgumentException($"A {k}×{n} weight matrix needs {(long)k * n} floats; the tensor has {kn.Length}.", nameof(kn));
        }

        int panels = (n + Width - 1) / Width;
        int paddedK = (k + KGroup - 1) / KGroup * KGroup;
        long bytes = (long)panels * paddedK * Width;
        if (bytes + 63 > Array.MaxLength)
        {
            throw new NotSupportedException($"{bytes} bytes of packed weights do not fit one managed array.");
        }

        sbyte[] storage = GC.AllocateArray<sbyte>((int)bytes + 63, pinned: true);
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(storage));
        int offset = (int)((64 - (address & 63)) & 63);
        var weightScales = new float[n];
        var corrections = new int[panels * Width];
        var outputScales = new float[panels * Width];
        for (int j = 0; j < n; j++)
        {
            float largest = 0f;
            for (int i = 0; i < k; i++)
            {
                largest = Math.Max(largest, Math.Abs(kn[i * n + j]));
            }

            if (!float.IsFinite(largest))
            {
                throw new ArgumentException($"Weight column {j} holds a value that is not finite.", nameof(kn));
            }

            float scale = largest > 0f ? largest / MaxWeight : 1f;
            int sum = 0;
            int panelBase = offset + (j / Width) * paddedK * Width + (j % Width) * KGroup;
            for (int i = 0; i < k; i++)
            {
                int q = Math.Clamp((int)MathF.Round(kn[i * n + j] / scale), -MaxWeight, MaxWeight);
                storage[panelBase + i / KGroup * KGroup * Width + i % KGroup] = (sbyte)q;
                sum += q;
            }

            weightScales[j] = scale;
            corrections[j] = input.ZeroPoint * sum;
            outputScales[j] = input.Scale * scale;
        }

        return new QuantizedPanels(k, n, input, storage, offset, weightScales, corrections, outputScales);
    }
}
