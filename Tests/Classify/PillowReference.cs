using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using Xception.Compiler.Tests.Support;

namespace Xception.Compiler.Tests.Classify;

/// <summary>An HWC uint8 array that Pillow produced (see Tests/Fixtures/tools/make_resize_reference.py).</summary>
internal sealed record ByteImage(int Height, int Width, int Channels, byte[] Pixels);

/// <summary>Reads the uint8 entries of the image fixtures' <c>.npz</c> files (the Runtime's NpzFile reads floats only).</summary>
internal static partial class PillowReference
{
    public static string ImagePath(string file) => TestPaths.Fixture(Path.Combine("images", file));

    /// <summary>Every entry of <c>images/&lt;name&gt;.npz</c>, by key.</summary>
    public static IReadOnlyDictionary<string, ByteImage> Read(string name)
    {
        var result = new Dictionary<string, ByteImage>(StringComparer.Ordinal);
        using ZipArchive archive = ZipFile.OpenRead(ImagePath(name + ".npz"));
        foreach (ZipArchiveEntry entry in archive.Entries)
        {
            using Stream stream = entry.Open();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            result.Add(Path.GetFileNameWithoutExtension(entry.Name), ParseNpy(copy.ToArray(), entry.Name));
        }

        return result;
    }

    private static ByteImage ParseNpy(byte[] bytes, string name)
    {
        // Version 1.0 header: magic (6), version (2), little-endian uint16 length, then a Python dict.
        int headerLength = bytes[8] | (bytes[9] << 8);
        string header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        if (!header.Contains("'descr': '|u1'", StringComparison.Ordinal) || !header.Contains("'fortran_order': False", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{name}: expected a C-order uint8 array, found header {header}");
        }

        Match shape = ShapePattern().Match(header);
        int[] dims = Array.ConvertAll(shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            s => int.Parse(s, CultureInfo.InvariantCulture));
        int channels = dims.Length == 3 ? dims[2] : 1;
        byte[] pixels = bytes.AsSpan(10 + headerLength).ToArray();
        if (pixels.Length != dims[0] * dims[1] * channels)
        {
            throw new InvalidDataException($"{name}: {pixels.Length} bytes do not fit shape ({shape.Groups[1].Value})");
        }

        return new ByteImage(dims[0], dims[1], channels, pixels);
    }

    [GeneratedRegex(@"'shape': \(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
