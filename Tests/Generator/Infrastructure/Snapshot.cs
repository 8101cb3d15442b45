using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Xception.Compiler.Generator.Emitting;
using Xunit.Sdk;

namespace Xception.Compiler.Tests.Generator.Infrastructure;

/// <summary>
/// Baseline files in Verify's layout: <c>Tests/Snapshots/&lt;Test&gt;/&lt;File&gt;.txt</c>, compared whole.
/// On a mismatch the test writes <c>&lt;File&gt;.received.txt</c> beside the baseline and fails with a
/// diff; <c>XCS_UPDATE_SNAPSHOTS=1</c> rewrites the baselines (and deletes stale ones). A baseline
/// with no matching output fails the test. The generator version is scrubbed to <c>%VERSION%</c>.
/// </summary>
internal static class Snapshot
{
    public static bool Updating => Environment.GetEnvironmentVariable("XCS_UPDATE_SNAPSHOTS") == "1";

    public static void Verify(string testName, IReadOnlyList<(string FileName, string Text)> files)
    {
        string folder = RepoFiles.PathOf("Tests/Snapshots/" + testName);
        Directory.CreateDirectory(folder);
        var failures = new List<string>();
        var expectedNames = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string fileName, string text) in files)
        {
            string baselinePath = Path.Combine(folder, fileName + ".txt");
            string receivedPath = Path.Combine(folder, fileName + ".received.txt");
            expectedNames.Add(fileName + ".txt");
            string received = Scrub(text);
            if (Updating)
            {
                File.WriteAllText(baselinePath, received, new UTF8Encoding(false));
                File.Delete(receivedPath);
                continue;
            }

            if (!File.Exists(baselinePath))
            {
                File.WriteAllText(receivedPath, received, new UTF8Encoding(false));
                failures.Add("No baseline " + Relative(baselinePath) + " (received written beside it; set XCS_UPDATE_SNAPSHOTS=1 to accept).");
                continue;
            }

            string baseline = File.ReadAllText(baselinePath).Replace("\r\n", "\n");
            if (baseline == received)
            {
                File.Delete(receivedPath);
                continue;
            }

            File.WriteAllText(receivedPath, received, new UTF8Encoding(false));
            failures.Add("Snapshot " + Relative(baselinePath) + " differs (received: " + Relative(receivedPath) + "):\n" + Diff(baseline, received));
        }

        foreach (string stale in Directory.GetFiles(folder, "*.txt").Where(f => !f.EndsWith(".received.txt", StringComparison.Ordinal)))
        {
            if (expectedNames.Contains(Path.GetFileName(stale)))
            {
                continue;
            }

            if (Updating)
            {
                File.Delete(stale);
            }
            else
            {
                failures.Add("Baseline " + Relative(stale) + " has no generator output any more.");
            }
        }

        if (failures.Count > 0)
        {
            throw new XunitException(string.Join("\n\n", failures));
        }
    }

    public static string Scrub(string text) =>
        text.Replace("\r\n", "\n").Replace("\"Xception.Compiler\", \"" + ModelEmitter.GeneratorVersion + "\"", "\"Xception.Compiler\", \"%VERSION%\"");

    private static string Relative(string path) => Path.GetRelativePath(RepoFiles.Root, path).Replace('\\', '/');

    // A compact line diff: the first differing region with a little context.
    internal static string Diff(string expected, string actual)
    {
        string[] a = expected.Split('\n');
        string[] b = actual.Split('\n');
        int first = 0;
        while (first < a.Length && first < b.Length && a[first] == b[first])
        {
            first++;
        }

        int endA = a.Length - 1;
        int endB = b.Length - 1;
        while (endA > first && endB > first && a[endA] == b[endB])
        {
            endA--;
            endB--;
        }

        var sb = new StringBuilder();
        sb.Append("@@ line ").Append(first + 1).Append(" @@\n");
        for (int i = Math.Max(0, first - 2); i < first; i++)
        {
            sb.Append("  ").Append(a[i]).Append('\n');
        }

        for (int i = first; i <= endA && i < first + 40; i++)
        {
            sb.Append("- ").Append(a[i]).Append('\n');
        }

        for (int i = first; i <= endB && i < first + 40; i++)
        {
            sb.Append("+ ").Append(b[i]).Append('\n');
        }

        return sb.ToString();
    }
}
