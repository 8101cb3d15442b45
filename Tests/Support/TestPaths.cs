using System;
using System.IO;

namespace Xception.Compiler.Tests.Support;

internal static class TestPaths
{
    /// <summary>The fixtures copied next to the test assembly (see Tests/Fixtures/README.md).</summary>
    public static string Fixture(string name)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", name);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Test fixture '{name}' was not copied to the output folder.", path);
        }

        return path;
    }

    /// <summary>The repository root: the folder that holds Xception.Compiler.sln.</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Xception.Compiler.sln")))
                {
                    return dir.FullName;
                }
            }

            throw new DirectoryNotFoundException("Xception.Compiler.sln was not found above " + AppContext.BaseDirectory);
        }
    }
}

/// <summary>A folder under the system temp path, deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "xcs-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a file still open elsewhere keeps the folder; the OS cleans temp.
        }
    }
}
