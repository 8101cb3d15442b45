using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;

namespace Xception.Compiler.Runtime.Tensors;

/// <summary>Reads numpy <c>.npz</c> archives (stored or deflated) of arrays <see cref="NpyFile"/> can read.</summary>
public static class NpzFile
{
    /// <summary>Reads every <c>.npy</c> entry; keys are the entry names without ".npy".</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">Not a zip archive, or an entry <see cref="NpyFile"/> rejects.</exception>
    public static IReadOnlyDictionary<string, NpyArray> Read(string path)
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
            var result = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
            foreach (ZipArchiveEntry entry in archive.Entries)
            {
                if (!entry.FullName.EndsWith(".npy", StringComparison.Ordinal))
                {
                    continue;
                }

                string key = entry.FullName.Substring(0, entry.FullName.Length - 4);
                using Stream entryStream = entry.Open();
                result[key] = NpyFile.Read(entryStream, entry.Length, path + ":" + entry.FullName);
            }

            return result;
        }
    }
}
