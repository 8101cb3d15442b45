using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using Xception.Compiler.Runtime.Labels;

namespace Xception.Compiler.Sample;

/// <summary>One image's result: the file as the user named it and its top classes.</summary>
internal sealed record ImageClassification(string File, IReadOnlyList<Prediction> Predictions);

/// <summary>Prints classifications as Keras's <c>decode_predictions</c> reads, or as JSON.</summary>
internal static class ClassificationReport
{
    /// <summary>
    /// For each image its path, then one line per class:
    /// <c>  1. n02504458 African_elephant 0.780000</c>.
    /// </summary>
    public static void WriteText(TextWriter output, IReadOnlyList<ImageClassification> results)
    {
        foreach (ImageClassification result in results)
        {
            output.WriteLine(result.File);
            foreach (Prediction p in result.Predictions)
            {
                // A model's own labels have no WordNet id: "  1. tulip 0.930000".
                string name = p.Class.WordNetId.Length > 0 ? p.Class.WordNetId + " " + p.Class.Label : p.Class.Label;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {p.Rank}. {name} {p.Probability:0.000000}"));
            }
        }
    }

    /// <summary><c>[{ "file", "predictions": [{ "rank", "wnid", "label", "probability" }] }]</c>, indented; no <c>wnid</c> for a model's own labels.</summary>
    public static void WriteJson(TextWriter output, IReadOnlyList<ImageClassification> results)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartArray();
            foreach (ImageClassification result in results)
            {
                json.WriteStartObject();
                json.WriteString("file", result.File);
                json.WriteStartArray("predictions");
                foreach (Prediction p in result.Predictions)
                {
                    json.WriteStartObject();
                    json.WriteNumber("rank", p.Rank);
                    if (p.Class.WordNetId.Length > 0)
                    {
                        json.WriteString("wnid", p.Class.WordNetId);
                    }

                    json.WriteString("label", p.Class.Label);
                    json.WriteNumber("probability", p.Probability);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        output.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
