using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using PureHDF;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Weights;
using Xception.Compiler.Tests.Weights;
using Xunit.Abstractions;

namespace Xception.Compiler.Tests.Reliability;

/// <summary>
/// Weight files that lie about themselves, beyond what Tests/Weights/BrokenWeightFileTests covers: corrupted
/// HDF5 metadata, exact float64/float16 conversion, same-size wrong shapes, extra layers, dataspaces that claim
/// terabytes or more than the file holds. Every failure is a <see cref="WeightFileException"/> whose message
/// names the file and the problem; a file that passes loads bit for bit what an independent reader (h5py) reads.
/// </summary>
public sealed class LyingWeightFileTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static WeightFileException AssertNamesFile(string path, Action load)
    {
        var ex = Assert.Throws<WeightFileException>(load);
        Assert.Equal(path, ex.FilePath);
        Assert.StartsWith("Weight file '" + path + "'", ex.Message, StringComparison.Ordinal);
        return ex;
    }

    private string Patched(string fixture, Action<byte[]> patch)
    {
        byte[] bytes = File.ReadAllBytes(WeightFixtures.Path(fixture));
        patch(bytes);
        string path = _temp.File("patched_" + Guid.NewGuid().ToString("N") + ".h5");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static List<int> Find(byte[] bytes, string ascii)
    {
        byte[] pattern = Encoding.ASCII.GetBytes(ascii);
        var at = new List<int>();
        for (int i = bytes.AsSpan().IndexOf(pattern); i >= 0;)
        {
            at.Add(i);
            int next = bytes.AsSpan(i + 1).IndexOf(pattern);
            i = next < 0 ? -1 : i + 1 + next;
        }

        return at;
    }

    // ---------------- corrupted headers ----------------

    public static TheoryData<string, int, byte> HeaderPatches => new()
    {
        { "superblock version 99", 8, 99 },
        { "size of offsets 3", 13, 3 },
        { "root object header address", 0x40 + 1, 0xFF },
        { "base address", 0x18 + 2, 0x10 },
    };

    [Theory]
    [MemberData(nameof(HeaderPatches))]
    public void CorruptedSuperblock_ThrowsWeightFileExceptionNamingTheFile(string what, int offset, byte value)
    {
        _ = what;
        string path = Patched(WeightFixtures.Keras2Top, b => b[offset] = value);

        WeightFileException ex = AssertNamesFile(path, () => KerasWeightFile.Load(path, WeightFixtures.TableOf(WeightFixtures.Keras2Top)));

        Assert.Contains("could not read", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("TREE", 0)]
    [InlineData("HEAP", 0)]
    [InlineData("SNOD", 0)]
    [InlineData("TREE", 100)]
    [InlineData("HEAP", 100)]
    [InlineData("SNOD", 100)]
    public void CorruptedMetadataSignature_ThrowsWeightFileExceptionNamingTheFile(string signature, int occurrence)
    {
        string path = Patched(WeightFixtures.Keras2Top, b =>
        {
            List<int> at = Find(b, signature);
            int i = at[Math.Min(occurrence, at.Count - 1)];
            b[i + 1] ^= 0x20;
        });

        WeightFileException ex = AssertNamesFile(path, () => KerasWeightFile.Load(path, WeightFixtures.TableOf(WeightFixtures.Keras2Top)));

        Assert.Contains("could not read", ex.Message, StringComparison.Ordinal);
        Assert.NotNull(ex.InnerException);
    }

    [Fact]
    public void RandomMetadataCorruption_EitherLoadsOrThrowsWeightFileException_NeverAnotherException()
    {
        byte[] original = File.ReadAllBytes(WeightFixtures.Path(WeightFixtures.Keras2Top));
        var metadata = new List<int>();
        metadata.AddRange(Enumerable.Range(0, 1024));
        foreach (string signature in new[] { "TREE", "HEAP", "SNOD" })
        {
            foreach (int at in Find(original, signature).Take(40))
            {
                metadata.AddRange(Enumerable.Range(at, 48));
            }
        }

        WeightTable table = WeightFixtures.TableOf(WeightFixtures.Keras2Top);
        var random = new Random(5150);
        int rejected = 0, loaded = 0;
        var unexpected = new List<string>();
        string path = _temp.File("random.h5");
        for (int i = 0; i < 120; i++)
        {
            byte[] bytes = (byte[])original.Clone();
            int offset = metadata[random.Next(metadata.Count)];
            bytes[offset] = (byte)random.Next(256);
            File.WriteAllBytes(path, bytes);
            try
            {
                KerasWeightFile.Load(path, table);
                loaded++;
            }
            catch (WeightFileException ex) when (ex.FilePath == path && ex.Message.StartsWith("Weight file '" + path + "'", StringComparison.Ordinal))
            {
                rejected++;
            }
            catch (Exception ex)
            {
                unexpected.Add("byte " + offset + " = " + bytes[offset] + ": " + ex.GetType().Name + ": " + ex.Message);
            }
        }

        output.WriteLine($"random single-byte metadata corruptions: 120, rejected {rejected}, loaded {loaded}");
        Assert.Empty(unexpected);
        Assert.True(rejected > 0);
    }

    // ---------------- float64 and float16: converted, bit for bit ----------------

    [Fact]
    public void Float64Dataset_IsRoundedToNearestEvenFloat32_BitForBit()
    {
        // 1 + 2^-24 is a tie: rounds to even (1.0); 1 + 3·2^-24 rounds up; 2^-149 is the smallest subnormal.
        double[] kernel = { 1 + Math.Pow(2, -24), 1 + 3 * Math.Pow(2, -24), 0.1, -0.0, Math.Pow(2, -149), 3.4028234663852886e38 };
        uint[] expectedBits = { 0x3F800000, 0x3F800002, 0x3DCCCCCD, 0x80000000, 0x00000001, 0x7F7FFFFF };
        string path = _temp.File("f64.h5");
        SmallH5.Write(path, SmallH5.ConvActBn(kernel));

        LoadedWeights weights = KerasWeightFile.Load(path, SmallH5.ConvBnTable());

        Assert.Equal(expectedBits, weights[0, 0].Select(v => BitConverter.SingleToUInt32Bits(v)).ToArray());
    }

    [Fact]
    public void Float16Dataset_IsWidenedExactly_BitForBit()
    {
        // 0.1 as half (0x2E66), the smallest half subnormal (2^-24), the largest half (65504), -0, infinity, NaN.
        ushort[] halfBits = { 0x2E66, 0x0001, 0x7BFF, 0x8000, 0x7C00, 0x7E00 };
        uint[] expectedBits = { 0x3DCCC000, 0x33800000, 0x477FE000, 0x80000000, 0x7F800000, 0x7FC00000 };
        Half[] kernel = halfBits.Select(b => BitConverter.UInt16BitsToHalf(b)).ToArray();
        string path = _temp.File("f16.h5");
        SmallH5.Write(path, SmallH5.ConvActBn(kernel));

        LoadedWeights weights = KerasWeightFile.Load(path, SmallH5.ConvBnTable());

        Assert.Equal(expectedBits, weights[0, 0].Select(v => BitConverter.SingleToUInt32Bits(v)).ToArray());
    }

    [Theory]
    [InlineData(1e39)]
    [InlineData(-1e300)]
    [InlineData(3.4028235677973366e38)] // just above float.MaxValue + half an ulp: rounds to infinity
    public void Float64ValueBeyondFloat32Range_IsRejectedNotTurnedIntoInfinity(double value)
    {
        double[] kernel = { 0.5, 0.25, value, 1, 2, 3 };
        string path = _temp.File("f64big.h5");
        SmallH5.Write(path, SmallH5.ConvActBn(kernel));

        WeightFileException ex = AssertNamesFile(path, () => KerasWeightFile.Load(path, SmallH5.ConvBnTable()));

        Assert.Contains("dataset 'conv/conv/kernel:0'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("float64 value " + value.ToString("R", CultureInfo.InvariantCulture) + " at index 2 is outside the float32 range", ex.Message, StringComparison.Ordinal);
        Assert.Equal("conv/conv/kernel:0", ex.DatasetPath);
    }

    // ---------------- shapes, missing and extra layers ----------------

    [Fact]
    public void SameElementCountButTransposedShape_IsRejectedWithBothShapes()
    {
        string path = _temp.File("transposed.h5");
        SmallH5.Write(path, SmallH5.ConvActBn(kernelShape: new[] { 1, 1, 3, 2 }));

        WeightFileException ex = AssertNamesFile(path, () => KerasWeightFile.Load(path, SmallH5.ConvBnTable()));

        Assert.Contains("dataset 'conv/conv/kernel:0': expected shape (1, 1, 2, 3) (kernel), found (1, 1, 3, 2)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FileWithAnExtraLayer_IsRejectedWithBothCounts()
    {
        SmallLayer[] layers = SmallH5.ConvActBn().Append(new SmallLayer("extra", new SmallDataset("extra/bias:0", new[] { 1f }, new[] { 1 }))).ToArray();
        string path = _temp.File("extra.h5");
        SmallH5.Write(path, layers);

        WeightFileException ex = AssertNamesFile(path, () => KerasWeightFile.Load(path, SmallH5.ConvBnTable()));

        Assert.StartsWith($"Weight file '{path}': expected 2 layers with weights (model 'Small'), found 3 in 'layer_names' (4 layers in all)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LayerNamesListingAMissingLayer_IsRejectedNamingIt()
    {
        string path = _temp.File("ghost.h5");
        SmallH5.Write(path, SmallH5.ConvActBn(), layerNames: new[] { "conv", "act", "ghost", "bn" });

        WeightFileException ex = AssertNamesFile(path, () => KerasWeightFile.Load(path, SmallH5.ConvBnTable()));

        Assert.Contains("'ghost'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyLayerNames_IsRejectedAsZeroLayers()
    {
        string path = _temp.File("nolayers.h5");
        SmallH5.Write(path, SmallH5.ConvActBn(), layerNames: Array.Empty<string>());

        WeightFileException ex = AssertNamesFile(path, () => KerasWeightFile.Load(path, SmallH5.ConvBnTable()));

        Assert.Contains("expected 2 layers with weights (model 'Small'), found 0", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MiniTableAgainstNotopFile_IsRejectedWithTheNotopHint()
    {
        string path = WeightFixtures.Path(WeightFixtures.Keras2Notop);

        WeightFileException ex = AssertNamesFile(path, () => KerasWeightFile.Load(path, WeightFixtures.TableOf(WeightFixtures.Keras2Top)));

        Assert.Contains("is this the notop file?", ex.Message, StringComparison.Ordinal);
    }

    // ---------------- dataspaces that claim more than the file holds ----------------

    private const int SmallRows = 1234;
    private const int SmallColumns = 567;

    /// <summary>A one-layer file with a (1234, 567) float32 dataset whose dataspace is then patched to (rows, columns).</summary>
    private string LyingDataspace(ulong rows, ulong columns)
    {
        string path = _temp.File("lying_" + rows + "x" + columns + ".h5");
        var file = new H5File
        {
            ["dense"] = new H5Group
            {
                ["kernel:0"] = new H5Dataset<float[]>(new float[SmallRows * SmallColumns], fileDims: new ulong[] { SmallRows, SmallColumns }),
            },
        };
        ((H5Group)file["dense"]).Attributes["weight_names"] = new[] { "kernel:0" };
        file.Attributes["layer_names"] = new[] { "dense" };
        file.Write(path);

        byte[] bytes = File.ReadAllBytes(path);
        var pattern = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(pattern, SmallRows);
        BinaryPrimitives.WriteUInt64LittleEndian(pattern.AsSpan(8), SmallColumns);
        int patched = 0;
        for (int i = bytes.AsSpan().IndexOf(pattern); i >= 0; i = bytes.AsSpan().IndexOf(pattern))
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(i), rows);
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(i + 8), columns);
            patched++;
        }

        Assert.InRange(patched, 1, 2); // the dataspace's dimensions (and maximum dimensions, when stored)
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static WeightTable DenseTable(int rows, int columns) =>
        new("Lying", new[] { new WeightLayer("dense", "Dense", "dense", new[] { new WeightDataset("kernel", "dense/kernel:0", new[] { rows, columns }) }) });

    private static (WeightFileException Exception, long AllocatedBytes, double Seconds) LoadMeasured(string path, WeightTable table)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        var ex = Assert.Throws<WeightFileException>(() => KerasWeightFile.Load(path, table));
        return (ex, GC.GetAllocatedBytesForCurrentThread() - before, watch.Elapsed.TotalSeconds);
    }

    [Fact]
    public void DataspaceClaimingTenToTheTwelveElements_TableExpectsIt_FailsFastWithoutAllocating()
    {
        string path = LyingDataspace(1_000_000, 1_000_000);

        (WeightFileException ex, long allocated, double seconds) = LoadMeasured(path, DenseTable(1_000_000, 1_000_000));

        Assert.Equal(path, ex.FilePath);
        Assert.Contains("dataset 'dense/kernel:0'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("(1000000, 1000000)", ex.Message, StringComparison.Ordinal);
        Assert.InRange(allocated, 0, 16L << 20);
        Assert.InRange(seconds, 0, 2);
        output.WriteLine($"{ex.Message} (allocated {allocated / 1024} KiB, {seconds * 1000:F1} ms)");
    }

    [Fact]
    public void DataspaceClaimingTenToTheTwelveElements_TableExpectsTheRealShape_FailsOnTheShape()
    {
        string path = LyingDataspace(1_000_000, 1_000_000);

        (WeightFileException ex, long allocated, _) = LoadMeasured(path, DenseTable(SmallRows, SmallColumns));

        Assert.Contains("expected shape (1234, 567) (kernel), found (1000000, 1000000)", ex.Message, StringComparison.Ordinal);
        Assert.InRange(allocated, 0, 16L << 20);
    }

    [Fact]
    public void DataspaceClaimingMoreThanTheFileHolds_ArraySized_FailsWithoutAllocatingTheClaim()
    {
        // 20000 × 20000 float32 = 1.6 GB would fit an array, but the file has under 3 MB: reject before allocating.
        string path = LyingDataspace(20_000, 20_000);

        (WeightFileException ex, long allocated, double seconds) = LoadMeasured(path, DenseTable(20_000, 20_000));

        Assert.Contains("dataset 'dense/kernel:0'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("more than the file holds", ex.Message, StringComparison.Ordinal);
        Assert.InRange(allocated, 0, 16L << 20);
        Assert.InRange(seconds, 0, 2);
        output.WriteLine($"{ex.Message} (allocated {allocated / 1024} KiB)");
    }

    [Fact]
    public void DataspaceWithItsOwnShape_LoadsTheWrittenValues()
    {
        // Control for the patched files: the unpatched writer output loads (so the failures above are the lie's).
        string path = _temp.File("honest.h5");
        float[] values = Enumerable.Range(0, 6).Select(i => i * 0.5f - 1).ToArray();
        var file = new H5File { ["dense"] = new H5Group { ["kernel:0"] = new H5Dataset<float[]>(values, fileDims: new ulong[] { 2, 3 }) } };
        ((H5Group)file["dense"]).Attributes["weight_names"] = new[] { "kernel:0" };
        file.Attributes["layer_names"] = new[] { "dense" };
        file.Write(path);

        Assert.Equal(values, KerasWeightFile.Load(path, DenseTable(2, 3))[0, 0]);
    }

    // ---------------- a file that passes loads exactly what another reader reads ----------------

    [Theory]
    [InlineData(WeightFixtures.Keras2Top)]
    [InlineData(WeightFixtures.Keras1Top)]
    [InlineData(WeightFixtures.Keras2Notop)]
    public void FixtureWeights_LoadBitIdenticalToH5py(string fixture)
    {
        // TestData/<fixture>.h5py.sha256: for each dataset in Keras load order, the SHA-256 of its values as
        // little-endian float32, read with h5py 3 (libhdf5) by Tests/Reliability/TestData/hash_weights.py.
        string[] lines = File.ReadAllLines(Path.Combine(WeightFixtures.RepositoryRoot(), "Tests", "Reliability", "TestData", fixture + ".h5py.sha256"))
            .Where(l => l.Length > 0 && l[0] != '#').ToArray();
        LoadedWeights weights = KerasWeightFile.Load(WeightFixtures.Path(fixture), WeightFixtures.TableOf(fixture));

        var actual = new List<string>();
        for (int k = 0; k < weights.LayerCount; k++)
        {
            for (int d = 0; d < weights.DatasetCount(k); d++)
            {
                float[] values = weights[k, d];

                byte[] raw = new byte[values.Length * 4];
                for (int i = 0; i < values.Length; i++)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(raw.AsSpan(i * 4), BitConverter.SingleToUInt32Bits(values[i]));
                }

                actual.Add(Convert.ToHexString(SHA256.HashData(raw)).ToLowerInvariant() + " " + values.Length.ToString(CultureInfo.InvariantCulture));
            }
        }

        Assert.Equal(lines.Select(l => l.Split(' ')[0] + " " + l.Split(' ')[1]).ToArray(), actual.ToArray());
    }
}
