using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Xception.Compiler.Generator.Emitting;

/// <summary>C# literals, invariant culture, so the output is identical under every locale.</summary>
internal static class Literals
{
    public static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A float literal that round-trips: <c>0.001f</c>, <c>1E-05f</c>.</summary>
    public static string Float(double value)
    {
        float f = (float)value;
        string text = f.ToString("R", CultureInfo.InvariantCulture);
        return text + "f";
    }

    public static string Ints(IEnumerable<int> values)
    {
        var parts = new List<string>();
        foreach (int v in values)
        {
            parts.Add(Int(v));
        }

        return string.Join(", ", parts);
    }

    /// <summary>A regular C# string literal with every non-printable or non-ASCII character escaped.</summary>
    public static string String(string value)
    {
        var sb = new StringBuilder(value.Length + 2);
        sb.Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < ' ' || c > '~')
                    {
                        sb.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        return sb.Append('"').ToString();
    }

    /// <summary>Text safe inside a <c>//</c> comment: one line (every C# line break becomes a space).</summary>
    public static string Comment(string value)
    {
        var sb = new StringBuilder(value.Length);
        foreach (char c in value)
        {
            sb.Append(c < ' ' || c == '\u2028' || c == '\u2029' || c == '\u0085' ? ' ' : c);
        }

        return sb.ToString();
    }

    /// <summary>Text safe inside an XML doc comment: one line, XML-escaped.</summary>
    public static string Xml(string value) =>
        Comment(value).Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
