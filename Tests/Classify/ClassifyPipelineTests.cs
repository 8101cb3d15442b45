using System;
using System.IO;
using System.Text.Json;
using Xception.Compiler.Runtime.Labels;
using Xception.Compiler.Runtime.Preprocessing;
using Xception.Compiler.Runtime.Weights;
using Xception.Compiler.Sample;
using Xception.Compiler.Sample.Images;
using Xception.Compiler.Sample.Progress;

namespace Xception.Compiler.Tests.Classify;

/// <summary>The Sample's classify pieces that need no model: file → batch, result printing, the download bar.</summary>
public sealed class ClassifyPipelineTests
{
    [Fact]
    public void ImageBatch_DecodesResizesAndPreprocessesEachFileInOrder_AsKerasWould()
    {
        string[] files = [PillowReference.ImagePath("gray_64x48.jpg"), PillowReference.ImagePath("noise_37x23.png")];

        float[] batch = ImageBatch.Load(files, 299, 299, KerasInterpolation.Nearest);

        const int ImageLength = 299 * 299 * 3;
        Assert.Equal(2 * ImageLength, batch.Length);
        byte[][] expected = [PillowReference.Read("gray_64x48")["nearest_299x299"].Pixels, PillowReference.Read("noise_37x23")["nearest_299x299"].Pixels];
        for (int n = 0; n < 2; n++)
        {
            for (int i = 0; i < ImageLength; i++)
            {
                float want = expected[n][i] / 127.5f - 1f;
                if (batch[n * ImageLength + i] != want)
                {
                    Assert.Fail($"image {n} ({Path.GetFileName(files[n])}), value {i}: expected {want}, found {batch[n * ImageLength + i]}");
                }
            }
        }
    }

    [Fact]
    public void ImageBatch_GrayscaleRawLayout_GivesPillowsGreyLevelsUnscaled()
    {
        // A grey JPEG decodes to R = G = B, so PIL's luma of every pixel is that grey level itself.
        float[] batch = ImageBatch.Load([PillowReference.ImagePath("gray_64x48.jpg")], 299, 299, KerasInterpolation.Nearest, new ImageLayout(1, ImagePreprocessing.None));

        byte[] rgb = PillowReference.Read("gray_64x48")["nearest_299x299"].Pixels;
        Assert.Equal(299 * 299, batch.Length);
        for (int i = 0; i < batch.Length; i++)
        {
            if (batch[i] != rgb[3 * i])
            {
                Assert.Fail($"pixel {i}: expected {rgb[3 * i]}, found {batch[i]}");
            }
        }
    }

    [Fact]
    public void TextAndJsonReport_OfAModelsOwnLabels_HaveNoWordNetId()
    {
        var result = new ImageClassification("flower.jpg", [new Prediction(1, new ImageNetClass(3, string.Empty, "tulip"), 0.93f)]);
        var text = new StringWriter();
        var json = new StringWriter();

        ClassificationReport.WriteText(text, [result]);
        ClassificationReport.WriteJson(json, [result]);

        Assert.Equal("flower.jpg\n  1. tulip 0.930000\n", text.ToString().ReplaceLineEndings("\n"));
        using JsonDocument document = JsonDocument.Parse(json.ToString());
        JsonElement first = document.RootElement[0].GetProperty("predictions")[0];
        Assert.False(first.TryGetProperty("wnid", out _));
        Assert.Equal("tulip", first.GetProperty("label").GetString());
    }

    [Fact]
    public void TextReport_PrintsPathThenRankedKerasLines()
    {
        var output = new StringWriter();

        ClassificationReport.WriteText(output, [Result("photos/elephant.jpg")]);

        Assert.Equal(
            "photos/elephant.jpg\n  1. n02504458 African_elephant 0.780000\n  2. n01871265 tusker 0.125000\n",
            output.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void JsonReport_IsAnArrayOfFilesWithRankedPredictions()
    {
        var output = new StringWriter();

        ClassificationReport.WriteJson(output, [Result("a.jpg"), Result("b \"quoted\".png")]);

        using JsonDocument document = JsonDocument.Parse(output.ToString());
        JsonElement root = document.RootElement;
        Assert.Equal(2, root.GetArrayLength());
        Assert.Equal("b \"quoted\".png", root[1].GetProperty("file").GetString());
        JsonElement first = root[0].GetProperty("predictions")[0];
        Assert.Equal(1, first.GetProperty("rank").GetInt32());
        Assert.Equal("n02504458", first.GetProperty("wnid").GetString());
        Assert.Equal("African_elephant", first.GetProperty("label").GetString());
        Assert.Equal(0.78f, first.GetProperty("probability").GetSingle());
    }

    [Fact]
    public void ProgressLine_ShowsBarBytesSpeedAndEta()
    {
        var halfway = new DownloadProgress(45_000_000, 90_000_000, TimeSpan.FromSeconds(3), IsComplete: false);

        string line = DownloadProgressBar.Format(halfway, barWidth: 10);

        Assert.Equal("[#####-----]  50%  45.0 MB / 90.0 MB  15.0 MB/s  ETA 0:03", line);
        Assert.Equal("1.5 kB/s", DownloadProgressBar.Format(new DownloadProgress(3_000, null, TimeSpan.FromSeconds(2), false)).Split("  ")[1]);
    }

    [Fact]
    public void ProgressBar_OnTerminal_RedrawsOneLine_ElsewhereLogsPeriodically()
    {
        var terminal = new StringWriter();
        var log = new StringWriter();
        var onTerminal = new DownloadProgressBar(terminal, interactive: true);
        var toLog = new DownloadProgressBar(log, interactive: false);
        for (int i = 1; i <= 10; i++)
        {
            // Ten reports a second apart; the last one completes.
            var progress = new DownloadProgress(i * 1_000_000, 10_000_000, TimeSpan.FromSeconds(i), IsComplete: i == 10);
            onTerminal.Report(progress);
            toLog.Report(progress);
        }

        string drawn = terminal.ToString();
        Assert.Equal(10, drawn.Split('\r').Length - 1);
        Assert.EndsWith(Environment.NewLine, drawn, StringComparison.Ordinal);
        Assert.Single(drawn.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));

        // Logged at 1 s, 6 s (five seconds later) and at completion.
        string[] lines = log.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.DoesNotContain('\r', log.ToString());
        Assert.Contains("100%", lines[2], StringComparison.Ordinal);
    }

    private static ImageClassification Result(string file) => new(file,
    [
        new Prediction(1, new ImageNetClass(386, "n02504458", "African_elephant"), 0.78f),
        new Prediction(2, new ImageNetClass(101, "n01871265", "tusker"), 0.125f),
    ]);
}
