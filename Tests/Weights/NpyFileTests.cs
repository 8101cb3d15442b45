using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Xception.Compiler.Runtime.Tensors;

namespace Xception.Compiler.Tests.Weights;

public sealed class NpyFileTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    public static IEnumerable<object[]> Shapes() => new[]
    {
        new object[] { new[] { 2, 3, 4 } },
        new object[] { new[] { 5 } },
        new object[] { Array.Empty<int>() },
        new object[] { new[] { 0, 3 } },
        new object[] { new[] { 1, 71, 71, 3 } },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Write_ThenRead_RoundTripsShapeAndBits(int[] shape)
    {
        int count = shape.Aggregate(1, (a, b) => a * b);
        float[] data = Enumerable.Range(0, count).Select(i => (float)Math.Sin(i) * 1e3f).ToArray();
        if (count > 2)
        {
            data[1] = float.NaN;
            data[2] = -0f;
        }

        string path = _temp.File("a.npy");

        NpyFile.Write(path, data, shape);
        NpyArray read = NpyFile.Read(path);

        Assert.Equal(shape, read.Shape);
        Assert.Equal(data.Select(BitConverter.SingleToInt32Bits), read.Data.Select(BitConverter.SingleToInt32Bits));
    }

    [Theory]
    [InlineData(new[] { 2, 3 }, "(2, 3)")]
    [InlineData(new[] { 3 }, "(3,)")]
    [InlineData(new int[0], "()")]
    [InlineData(new[] { 1, 71, 71, 3 }, "(1, 71, 71, 3)")]
    [InlineData(new[] { 123456 }, "(123456,)")]
    public void Write_ProducesTheBytesNumpySaveWrites(int[] shape, string shapeText)
    {
        // numpy 1.24 np.save: header length 118 for all these shapes (21 - len(str(shape[0])) spare spaces, then
        // padding to 64), magic \x93NUMPY, version 1.0.
        int count = shape.Aggregate(1, (a, b) => a * b);
        float[] data = Enumerable.Range(0, count).Select(i => i + 0.5f).ToArray();
        string path = _temp.File("h.npy");

        NpyFile.Write(path, data, shape);
        byte[] bytes = File.ReadAllBytes(path);

        string dictionary = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shapeText + ", }";
        Assert.Equal(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, 118, 0 }, bytes.Take(10));
        Assert.Equal(dictionary + new string(' ', 117 - dictionary.Length) + "\n", Encoding.ASCII.GetString(bytes, 10, 118));
        Assert.Equal(128 + 4 * count, bytes.Length);
        Assert.Equal(data.SelectMany(BitConverter.GetBytes), bytes.Skip(128));
    }

    [Fact]
    public void Write_OverExistingFile_ReplacesItAndLeavesNoTemporaryFile()
    {
        string path = _temp.File("o.npy");
        File.WriteAllText(path, "old");

        NpyFile.Write(path, new float[] { 7 }, new[] { 1 });

        Assert.Equal(new[] { 7f }, NpyFile.Read(path).Data);
        Assert.Equal(new[] { path }, Directory.GetFiles(_temp.FullName));
    }

    [Fact]
    public void Write_ShapeNotMatchingData_ThrowsArgumentException()
    {
        var ex = Assert.Throws<ArgumentException>(() => NpyFile.Write(_temp.File("x.npy"), new float[5], new[] { 2, 3 }));

        Assert.Contains("(2, 3) has 6 elements, data has 5", ex.Message);
        Assert.Empty(Directory.GetFiles(_temp.FullName));
    }

    [Fact]
    public void Float32FixtureInput_Reads2x71x71x3InRange()
    {
        NpyArray input = NpyFile.Read(WeightFixtures.Path("mini_input_71x71_seed2.npy"));

        Assert.Equal(new[] { 2, 71, 71, 3 }, input.Shape);
        Assert.Equal(2 * 71 * 71 * 3, input.Data.Length);
        Assert.All(input.Data, v => Assert.InRange(v, -1f, 1f));
        Assert.True(input.Data.Distinct().Count() > 1000);
    }

    [Fact]
    public void Float64FixtureExpected_ReadsAsFloat32ProbabilitiesSummingToOne()
    {
        NpyArray expected = NpyFile.Read(WeightFixtures.Path("mini_expected_71x71_seed2.npy"));

        Assert.Equal(new[] { 2, 10 }, expected.Shape);
        for (int row = 0; row < 2; row++)
        {
            Assert.Equal(1.0, expected.Data.Skip(10 * row).Take(10).Sum(v => (double)v), 1e-6);
        }
    }

    [Fact]
    public void Float64FixtureNotopFeatures_HasNhwcShape()
    {
        Assert.Equal(new[] { 1, 3, 3, 256 }, NpyFile.Read(WeightFixtures.Path("mini_expected_notop_none_90x72_seed7.npy")).Shape);
    }

    [Fact]
    public void Float64Values_AreRoundedToNearestFloat32()
    {
        double[] values = { 0.1, 1.0 / 3.0, -2.5e-8, 123456789.123 };
        string path = _temp.File("f8.npy");
        File.WriteAllBytes(path, Npy("<f8", "(4,)", values.SelectMany(BitConverter.GetBytes).ToArray()));

        Assert.Equal(values.Select(v => (float)v), NpyFile.Read(path).Data);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Version2And3Headers_AreRead(byte major)
    {
        string path = _temp.File("v.npy");
        File.WriteAllBytes(path, Npy("<f4", "(2,)", BitConverter.GetBytes(1.5f).Concat(BitConverter.GetBytes(-2f)).ToArray(), major));

        NpyArray read = NpyFile.Read(path);

        Assert.Equal(new[] { 2 }, read.Shape);
        Assert.Equal(new[] { 1.5f, -2f }, read.Data);
    }

    [Fact]
    public void FortranOrder_IsRejectedNamingTheFile()
    {
        string path = _temp.File("fortran.npy");
        File.WriteAllBytes(path, Npy("<f4", "(2, 2)", new byte[16], fortran: true));

        var ex = Assert.Throws<InvalidDataException>(() => NpyFile.Read(path));

        Assert.Contains(path, ex.Message);
        Assert.Contains("fortran_order is True", ex.Message);
    }

    [Fact]
    public void BadMagic_IsRejectedNamingTheFile()
    {
        string path = _temp.File("bad.npy");
        File.WriteAllBytes(path, Encoding.ASCII.GetBytes("PK\u0003\u0004 this is not numpy at all"));

        var ex = Assert.Throws<InvalidDataException>(() => NpyFile.Read(path));

        Assert.Contains(path, ex.Message);
        Assert.Contains("magic", ex.Message);
    }

    [Fact]
    public void IntegerDtype_IsRejectedNamingTheDtype()
    {
        string path = _temp.File("int.npy");
        File.WriteAllBytes(path, Npy("<i4", "(2,)", new byte[8]));

        var ex = Assert.Throws<InvalidDataException>(() => NpyFile.Read(path));

        Assert.Contains("dtype '<i4' is not supported", ex.Message);
    }

    [Fact]
    public void BigEndianFloat_IsRejected()
    {
        string path = _temp.File("be.npy");
        File.WriteAllBytes(path, Npy(">f4", "(2,)", new byte[8]));

        Assert.Throws<InvalidDataException>(() => NpyFile.Read(path));
    }

    [Theory]
    [InlineData(20)]
    [InlineData(28)]
    public void DataLengthNotMatchingHeader_IsRejectedWithBothLengths(int dataBytes)
    {
        string path = _temp.File("short.npy");
        File.WriteAllBytes(path, Npy("<f4", "(2, 3)", new byte[dataBytes]));

        var ex = Assert.Throws<InvalidDataException>(() => NpyFile.Read(path));

        Assert.Contains("24 data bytes", ex.Message);
        Assert.Contains(dataBytes + " bytes after the header", ex.Message);
    }

    [Fact]
    public void AbsurdDeclaredShape_IsRejectedWithoutAllocating()
    {
        string path = _temp.File("huge.npy");
        File.WriteAllBytes(path, Npy("<f4", "(100000, 100000, 100000)", new byte[8]));

        Assert.Throws<InvalidDataException>(() => NpyFile.Read(path));
    }

    [Fact]
    public void LayerDumpNpz_HasEveryLayerByKeras2Name()
    {
        IReadOnlyDictionary<string, NpyArray> layers = NpzFile.Read(WeightFixtures.Path("mini_layers_item0.npz"));

        Assert.Equal(new[] { 1, 71, 71, 3 }, layers["input_1"].Shape);
        Assert.Equal(new[] { 1, 35, 35, 4 }, layers["block1_conv1"].Shape);
        Assert.Equal(new[] { 1, 17, 17, 16 }, layers["add_1"].Shape);
        Assert.Equal(new[] { 1, 256 }, layers["avg_pool"].Shape);
        Assert.Equal(new[] { 1, 10 }, layers["predictions"].Shape);
        Assert.Equal(new[] { 1, 10 }, layers["predictions__logits"].Shape);
        Assert.Equal(135, layers.Count); // 134 layers and the logits; string and integer entries are skipped
        Assert.DoesNotContain("__k1_names__", layers.Keys);
        Assert.DoesNotContain("__items__", layers.Keys);

        float[] firstImage = NpyFile.Read(WeightFixtures.Path("mini_input_71x71_seed2.npy")).Data.Take(71 * 71 * 3).ToArray();
        Assert.Equal(firstImage, layers["input_1"].Data);
    }

    [Fact]
    public void LayerDumpNpz_NameListsAreReadAsStrings()
    {
        IReadOnlyDictionary<string, string[]> names = NpzFile.ReadStrings(WeightFixtures.Path("mini_layers_item0.npz"));

        Assert.Equal(134, names["__k2_names__"].Length);
        Assert.Equal("block1_conv1", names["__k2_names__"][1]);
        Assert.Equal("convolution2d_1", names["__k1_names__"][1]);
        Assert.Equal(new[] { "__k1_names__", "__k2_names__", "__keras_order__" }, names.Keys.OrderBy(k => k, StringComparer.Ordinal));
    }

    [Fact]
    public void NotAZipFile_IsRejectedNamingTheFile()
    {
        string path = _temp.File("x.npz");
        File.WriteAllBytes(path, new byte[100]);

        var ex = Assert.Throws<InvalidDataException>(() => NpzFile.Read(path));

        Assert.Contains(path, ex.Message);
    }

    /// <summary>A hand-built .npy image (header padded to 64 like numpy's).</summary>
    private static byte[] Npy(string descr, string shape, byte[] data, byte major = 1, bool fortran = false)
    {
        string dictionary = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + shape + ", }";
        int lengthBytes = major == 1 ? 2 : 4;
        int unpadded = 8 + lengthBytes + dictionary.Length + 1;
        string header = dictionary + new string(' ', (64 - unpadded % 64) % 64) + "\n";
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', major, 0 };
        bytes.AddRange(major == 1 ? BitConverter.GetBytes((ushort)header.Length) : BitConverter.GetBytes((uint)header.Length));
        bytes.AddRange(Encoding.ASCII.GetBytes(header));
        bytes.AddRange(data);
        return bytes.ToArray();
    }
}
