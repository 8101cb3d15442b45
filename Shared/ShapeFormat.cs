using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Xception.Compiler;

/// <summary>
/// How a shape reads in messages, generated comments and .npy headers. One source file compiled into
/// both the generator and the runtime (the netstandard2.0 generator cannot reference the runtime), so
/// a shape the generator reports and the same shape the runtime reports read the same.
/// </summary>
internal static class ShapeFormat
{
    /// <summary>Keras's and NumPy's tuple notation: <c>(3, 3, 8)</c>, <c>(2048,)</c>, <c>()</c>.</summary>
    public static string Tuple(IEnumerable<int> dims)
    {
        var sb = new StringBuilder("(");
        int count = 0;
        foreach (int d in dims)
        {
            sb.Append(count++ > 0 ? ", " : string.Empty).Append(d.ToString(CultureInfo.InvariantCulture));
        }

        return sb.Append(count == 1 ? ",)" : ")").ToString();
    }

    /// <summary>The compact notation of the generated comments: <c>19×19×728</c>, <c>299×299</c>.</summary>
    public static string Dims(params int[] dims)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < dims.Length; i++)
        {
            sb.Append(i > 0 ? "×" : string.Empty).Append(dims[i].ToString(CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }
}
