using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;

namespace Xception.Compiler.Runtime.Tensors;

/// <summary>
/// Reads numpy <c>.npz</c> archives (entries stored or deflated, as <c>np.savez</c> and
/// <c>np.savez_compressed</c> write them).
/// </summary>
public static class NpzFile
{
    /// <summary>
    /// Reads every float32 / float64 <c>.npy</c> entry (float64 converted to float32); keys are the entry names
    /// without ".npy". Entries of other dtypes are skipped: unicode strings (<c>&lt;U n</c>, e.g. name lists)
    /// are read by <see cref="ReadStrings"/>; integer or boolean entries (metadata such as an item index) are
    /// not read at all. A damaged float entry, or a float dtype other than <c>&lt;f4</c>/<c>&lt;f8</c>, is an error.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">Not a zip archive, or an entry <see cref="NpyFile"/> rejects.</exception>
    public static IReadOnlyDictionary<string, NpyArray> Read(string path)
    {
        var floats = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
        ReadEntries(path, floats, null);
        return floats;
    }

    /// <summary>Reads the unicode string entries (<c>&lt;U n</c>) as string arrays (flattened, C order); keys without ".npy".</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">Not a zip archive, or a damaged entry.</exception>
    public static IReadOnlyDictionary<string, string[]> ReadStrings(string path)
    {
        var strings = new Dictionary<string, string[]>(StringComparer.Ordinal);
        ReadEntries(path, null, strings);
        return strings;
    }

    private static void ReadEntries(string path, Dictionary<string, NpyArray>? floats, Dictionary<string, string[]>? strings)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(stream, ZipArchiveMode.Read);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException("'" + path + "': not a .npz file (not a zip archive): " + ex.Message, ex);
        }

        using (archive)
        {
            foreach (ZipArchiveEntry entry in archive.Entries)
            {
                if (!entry.FullName.EndsWith(".npy", StringComparison.Ordinal))
                {
                    continue;
                }

                string key = entry.FullName.Substring(0, entry.FullName.Length - 4);
                string name = path + ":" + entry.FullName;
                using Stream entryStream = entry.Open();
                NpyFile.NpyHeader header = NpyFile.ReadHeader(entryStream, entry.Length, name);
                if (header.Descr.StartsWith("<U", StringComparison.Ordinal))
                {
                    if (strings is not null)
                    {
                        strings[key] = NpyFile.ReadUnicode(entryStream, header, name);
                    }
                }
                else if (floats is not null && !IsNonFloat(header.Descr))
                {
                    floats[key] = NpyFile.ReadFloats(entryStream, header, name);
                }
            }
        }
    }

    /// <summary>Integer, unsigned, boolean, string, object and other non-floating numpy type codes (kind letter after the byte order).</summary>
    private static bool IsNonFloat(string descr)
        => descr.Length >= 2 && descr[1] is 'i' or 'u' or 'b' or 'U' or 'S' or 'O' or 'V' or 'M' or 'm';
}
