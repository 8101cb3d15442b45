using System;
using System.IO;

namespace Xception.Compiler.Tests.Generator.Infrastructure;

/// <summary>Files of the repository, found by walking up from the test binaries to Xception.Compiler.sln.</summary>
internal static class RepoFiles
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    public static string Root => s_root.Value;

    public static string PathOf(string relative) =>
        System.IO.Path.GetFullPath(System.IO.Path.Combine(Root, relative.Replace('/', System.IO.Path.DirectorySeparatorChar)));

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));

    public static string TestData(string name) => "Tests/Generator/TestData/" + name;

    /// <summary>
    /// The shape table a description names, as an (absolute path, text) pair: the real file when the
    /// weights engineer has committed it, else the stand-in under TestData (same format, built from
    /// xception_arch.py).
    /// </summary>
    public static (string Path, string Text) ShapeTable(string descriptionRelative, string tableRelative)
    {
        string descriptionFolder = System.IO.Path.GetDirectoryName(PathOf(descriptionRelative))!;
        string path = System.IO.Path.GetFullPath(System.IO.Path.Combine(descriptionFolder, tableRelative));
        if (File.Exists(path))
        {
            return (path, File.ReadAllText(path));
        }

        string standIn = PathOf(TestData(System.IO.Path.GetFileName(path)));
        return (path, File.ReadAllText(standIn));
    }

    private static string FindRoot()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null)
        {
            if (File.Exists(System.IO.Path.Combine(dir, "Xception.Compiler.sln")))
            {
                return dir;
            }

            dir = System.IO.Path.GetDirectoryName(dir);
        }

        throw new InvalidOperationException("Xception.Compiler.sln not found above " + AppContext.BaseDirectory);
    }
}
