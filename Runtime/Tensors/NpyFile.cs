using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace Xception.Compiler.Runtime.Tensors;

/// <summary>
/// Reads and writes numpy <c>.npy</c> files: little-endian float32 (<c>&lt;f4</c>) or float64 (<c>&lt;f8</c>,
/// converted to float32 on reading), C order, format versions 1.0, 2.0 and 3.0. Writes version 1.0 <c>&lt;f4</c>.
/// </summary>
public static class NpyFile
{
    /// <summary>The parsed header: dtype string, shape, element count, and the number of bytes after the header.</summary>
    internal readonly record struct NpyHeader(string Descr, int[] Shape, long Count, long DataLength);

    private static readonly byte[] Magic = { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y' };

    /// <summary>Reads a <c>.npy</c> file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">Not a .npy file, an unsupported dtype or order, or a length that does not fit the header.</exception>
    public static NpyArray Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return Read(stream, stream.Length, path);
    }

    /// <summary>Reads a <c>.npy</c> image of exactly <paramref name="length"/> bytes from <paramref name="stream"/>.</summary>
    /// <param name="stream">The stream, positioned at the magic string; it need not be seekable.</param>
    /// <param name="length">The number of bytes the image has (header and data).</param>
    /// <param name="name">The name used in messages (file name, or "archive.npz:entry.npy").</param>
    public static NpyArray Read(Stream stream, long length, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        NpyHeader header = ReadHeader(stream, length, name);
        return ReadFloats(stream, header, name);
    }

    /// <summary>Reads and checks the magic string, version and header dictionary; the stream is left at the data.</summary>
    internal static NpyHeader ReadHeader(Stream stream, long length, string name)
    {
        Span<byte> prefix = stackalloc byte[8];
        if (length < 10 || ReadAtMost(stream, prefix) < 8 || !prefix.Slice(0, 6).SequenceEqual(Magic))
        {
            throw Invalid(name, "not a .npy file (expected the magic string \\x93NUMPY at the start)");
        }

        byte major = prefix[6];
        byte minor = prefix[7];
        int lengthBytes = major switch
        {
            1 => 2,
            2 or 3 => 4,
            _ => throw Invalid(name, "format version " + major + "." + minor + " is not supported (expected 1.0, 2.0 or 3.0)"),
        };

        Span<byte> lengthField = stackalloc byte[4];
        if (ReadAtMost(stream, lengthField.Slice(0, lengthBytes)) < lengthBytes)
        {
            throw Invalid(name, "the file ends inside the header length field");
        }

        long headerLength = lengthBytes == 2 ? BinaryPrimitives.ReadUInt16LittleEndian(lengthField) : BinaryPrimitives.ReadUInt32LittleEndian(lengthField);
        long dataOffset = 6 + 2 + lengthBytes + headerLength;
        if (dataOffset > length)
        {
            throw Invalid(name, "header length " + headerLength + " runs past the end of the file (" + length + " bytes)");
        }

        byte[] headerBytes = new byte[headerLength];
        if (ReadAtMost(stream, headerBytes) < headerBytes.Length)
        {
            throw Invalid(name, "the file ends inside the header");
        }

        string header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes);
        (string descr, bool fortranOrder, int[] shape) = ParseHeader(header, name);
        if (fortranOrder)
        {
            throw Invalid(name, "fortran_order is True; only C-order arrays are supported");
        }

        long count = 1;
        foreach (int d in shape)
        {
            count *= d;
            if (count > Array.MaxLength)
            {
                throw Invalid(name, "shape " + ShapeFormat.Tuple(shape) + " has more elements than an array can hold");
            }
        }

        return new NpyHeader(descr, shape, count, length - dataOffset);
    }

    /// <summary>Reads the float32 or float64 data that follows <paramref name="header"/>.</summary>
    internal static NpyArray ReadFloats(Stream stream, NpyHeader header, string name)
    {
        string descr = header.Descr;
        int itemSize = descr switch
        {
            "<f4" => 4,
            "<f8" => 8,
            _ => throw Invalid(name, "dtype '" + descr + "' is not supported (expected '<f4' or '<f8')"),
        };

        long count = header.Count;
        int[] shape = header.Shape;
        CheckDataLength(header, itemSize, name);
        var data = new float[count];
        if (itemSize == 4)
        {
            Span<byte> bytes = MemoryMarshal.AsBytes(data.AsSpan());
            if (ReadAtMost(stream, bytes) < bytes.Length)
            {
                throw Invalid(name, "the file ends inside the data");
            }

            if (!BitConverter.IsLittleEndian)
            {
                Span<int> words = MemoryMarshal.Cast<float, int>(data.AsSpan());
                BinaryPrimitives.ReverseEndianness(words, words);
            }
        }
        else
        {
            byte[] chunk = new byte[8 * 8192];
            long done = 0;
            while (done < count)
            {
                int n = (int)Math.Min(8192, count - done);
                Span<byte> part = chunk.AsSpan(0, n * 8);
                if (ReadAtMost(stream, part) < part.Length)
                {
                    throw Invalid(name, "the file ends inside the data");
                }

                for (int i = 0; i < n; i++)
                {
                    data[done + i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(part.Slice(8 * i, 8));
                }

                done += n;
            }
        }

        return new NpyArray(shape, data);
    }

    /// <summary>Reads numpy unicode strings (<c>&lt;U n</c>: n UTF-32LE code units per element, NUL-padded).</summary>
    internal static string[] ReadUnicode(Stream stream, NpyHeader header, string name)
    {
        if (!header.Descr.StartsWith("<U", StringComparison.Ordinal)
            || !int.TryParse(header.Descr.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out int width) || width <= 0 || width > 1 << 20)
        {
            throw Invalid(name, "dtype '" + header.Descr + "' is not a unicode string type '<U<n>'");
        }

        int itemSize = 4 * width;
        CheckDataLength(header, itemSize, name);
        var bytes = new byte[itemSize];
        var result = new string[header.Count];
        for (long i = 0; i < header.Count; i++)
        {
            if (ReadAtMost(stream, bytes) < bytes.Length)
            {
                throw Invalid(name, "the file ends inside the data");
            }

            result[i] = Encoding.UTF32.GetString(bytes).TrimEnd('\0');
        }

        return result;
    }

    private static void CheckDataLength(NpyHeader header, int itemSize, string name)
    {
        if (header.DataLength != header.Count * itemSize)
        {
            throw Invalid(
                name,
                "header declares shape " + ShapeFormat.Tuple(header.Shape) + " of '" + header.Descr + "', i.e. " + (header.Count * itemSize)
                + " data bytes, but the file has " + header.DataLength + " bytes after the header");
        }
    }

    /// <summary>
    /// Writes <paramref name="data"/> as a version 1.0 <c>&lt;f4</c> C-order <c>.npy</c> file with the header
    /// padded as numpy pads it (data starts at a multiple of 64). The file is written under a temporary name
    /// in the same folder and then moved over <paramref name="path"/>, so that no half-written file is left.
    /// </summary>
    /// <exception cref="ArgumentException">The shape does not fit the data length.</exception>
    public static void Write(string path, ReadOnlySpan<float> data, int[] shape)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(shape);
        long count = 1;
        foreach (int d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException("Shape dimensions must not be negative: " + ShapeFormat.Tuple(shape) + ".", nameof(shape));
            }

            count *= d;
        }

        if (count != data.Length)
        {
            throw new ArgumentException("Shape " + ShapeFormat.Tuple(shape) + " has " + count + " elements, data has " + data.Length + ".", nameof(shape));
        }

        string dictionary = "{'descr': '<f4', 'fortran_order': False, 'shape': " + ShapeFormat.Tuple(shape) + ", }";

        // As numpy (1.22+): spare room for the first dimension to grow to 21 digits, then pad so that the data
        // starts at a multiple of 64.
        if (shape.Length > 0)
        {
            dictionary += new string(' ', Math.Max(0, 21 - shape[0].ToString(CultureInfo.InvariantCulture).Length));
        }

        int unpadded = Magic.Length + 2 + 2 + dictionary.Length + 1;
        int padding = (64 - (unpadded % 64)) % 64;
        string header = dictionary + new string(' ', padding) + "\n";
        if (header.Length > ushort.MaxValue)
        {
            throw new ArgumentException("Shape " + ShapeFormat.Tuple(shape) + " makes a header too long for format version 1.0.", nameof(shape));
        }

        string fullPath = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(fullPath) ?? ".";
        string temp = Path.Combine(folder, "." + Path.GetFileName(fullPath) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                Span<byte> prefix = stackalloc byte[10];
                Magic.CopyTo(prefix);
                prefix[6] = 1;
                prefix[7] = 0;
                BinaryPrimitives.WriteUInt16LittleEndian(prefix.Slice(8), (ushort)header.Length);
                stream.Write(prefix);
                stream.Write(Encoding.ASCII.GetBytes(header));
                if (BitConverter.IsLittleEndian)
                {
                    stream.Write(MemoryMarshal.AsBytes(data));
                }
                else
                {
                    Span<byte> word = stackalloc byte[4];
                    foreach (float v in data)
                    {
                        BinaryPrimitives.WriteSingleLittleEndian(word, v);
                        stream.Write(word);
                    }
                }
            }

            File.Move(temp, fullPath, overwrite: true);
        }
        catch
        {
            try
            {
                File.Delete(temp);
            }
            catch (IOException)
            {
                // The original error matters more than a leftover temporary file.
            }

            throw;
        }
    }

    /// <summary>Parses numpy's header dictionary: <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (2, 3), }</c>.</summary>
    private static (string Descr, bool FortranOrder, int[] Shape) ParseHeader(string header, string name)
    {
        string? descr = null;
        bool? fortranOrder = null;
        int[]? shape = null;
        int pos = 0;
        Skip(header, ref pos);
        Expect(header, ref pos, '{', name);
        while (true)
        {
            Skip(header, ref pos);
            if (pos < header.Length && header[pos] == '}')
            {
                break;
            }

            string key = ReadQuoted(header, ref pos, name);
            Skip(header, ref pos);
            Expect(header, ref pos, ':', name);
            Skip(header, ref pos);
            switch (key)
            {
                case "descr":
                    descr = ReadQuoted(header, ref pos, name);
                    break;
                case "fortran_order":
                    if (string.CompareOrdinal(header, pos, "True", 0, 4) == 0)
                    {
                        fortranOrder = true;
                        pos += 4;
                    }
                    else if (string.CompareOrdinal(header, pos, "False", 0, 5) == 0)
                    {
                        fortranOrder = false;
                        pos += 5;
                    }
                    else
                    {
                        throw Invalid(name, "header value of 'fortran_order' is neither True nor False");
                    }

                    break;
                case "shape":
                    shape = ReadShape(header, ref pos, name);
                    break;
                default:
                    throw Invalid(name, "header has an unexpected key '" + key + "'");
            }

            Skip(header, ref pos);
            if (pos < header.Length && header[pos] == ',')
            {
                pos++;
                continue;
            }

            if (pos < header.Length && header[pos] == '}')
            {
                break;
            }

            throw Invalid(name, "header is not a Python dictionary literal (expected ',' or '}' at offset " + pos + ")");
        }

        if (descr is null || fortranOrder is null || shape is null)
        {
            throw Invalid(name, "header lacks one of 'descr', 'fortran_order', 'shape': " + header.Trim());
        }

        return (descr, fortranOrder.Value, shape);
    }

    private static int[] ReadShape(string text, ref int pos, string name)
    {
        Expect(text, ref pos, '(', name);
        var dims = new List<int>();
        while (true)
        {
            Skip(text, ref pos);
            if (pos < text.Length && text[pos] == ')')
            {
                pos++;
                return dims.ToArray();
            }

            int start = pos;
            while (pos < text.Length && char.IsAsciiDigit(text[pos]))
            {
                pos++;
            }

            // numpy 1.x may write Python 2 longs ("3L").
            string digits = text.Substring(start, pos - start);
            if (pos < text.Length && text[pos] == 'L')
            {
                pos++;
            }

            if (digits.Length == 0 || !int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int d))
            {
                throw Invalid(name, "header 'shape' is not a tuple of non-negative integers that fit in 32 bits");
            }

            dims.Add(d);
            Skip(text, ref pos);
            if (pos < text.Length && text[pos] == ',')
            {
                pos++;
            }
            else if (!(pos < text.Length && text[pos] == ')'))
            {
                throw Invalid(name, "header 'shape' is not a tuple of integers");
            }
        }
    }

    private static string ReadQuoted(string text, ref int pos, string name)
    {
        if (pos >= text.Length || (text[pos] != '\'' && text[pos] != '"'))
        {
            throw Invalid(name, "header is not a Python dictionary literal (expected a quoted string at offset " + pos + ")");
        }

        char quote = text[pos++];
        int end = text.IndexOf(quote, pos);
        if (end < 0)
        {
            throw Invalid(name, "header has an unterminated string");
        }

        string value = text.Substring(pos, end - pos);
        pos = end + 1;
        return value;
    }

    private static void Expect(string text, ref int pos, char c, string name)
    {
        if (pos >= text.Length || text[pos] != c)
        {
            throw Invalid(name, "header is not a Python dictionary literal (expected '" + c + "' at offset " + pos + ")");
        }

        pos++;
    }

    private static void Skip(string text, ref int pos)
    {
        while (pos < text.Length && char.IsWhiteSpace(text[pos]))
        {
            pos++;
        }
    }

    private static int ReadAtMost(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer.Slice(total));
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    internal static InvalidDataException Invalid(string name, string detail) => new("'" + name + "': " + detail + ".");
}
