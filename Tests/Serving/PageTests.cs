using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using Xception.Compiler.Tests.Serving.Support;
using Xception.Compiler.Tests.Support;
using Xunit.Abstractions;

namespace Xception.Compiler.Tests.Serving;

/// <summary>The try-it page in Debian's headless Chromium, at a phone's width, through Selenium and chromedriver.</summary>
public sealed class PageTests(ITestOutputHelper output)
{
    private const string Chromium = "/usr/bin/chromium";
    private const string ChromeDriver = "/usr/bin/chromedriver";

    [Fact]
    public async Task UploadPng_ShowsFiveLabelledBarsAndLatency_AtPhoneWidth()
    {
        // Not a skip: without the browser this test cannot check the page, and CI (.ci/run) installs it.
        Assert.True(File.Exists(Chromium) && File.Exists(ChromeDriver),
            $"The page test needs Debian's Chromium and its driver ({Chromium}, {ChromeDriver}); install them with: apt-get install -y chromium chromium-driver");

        await using TestServer server = await TestServer.StartMiniAsync();
        string address = server.Server.Addresses.Single();
        string png = TestPaths.Fixture(Path.Combine("images", "noise_37x23.png"));

        var options = new ChromeOptions { BinaryLocation = Chromium };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=390,844");
        using ChromeDriverService service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(ChromeDriver)!, Path.GetFileName(ChromeDriver));
        service.HideCommandPromptWindow = true;
        using var driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));

        // Headless windows do not go below 500 px: emulate a phone's viewport instead.
        driver.ExecuteCdpCommand("Emulation.setDeviceMetricsOverride", new System.Collections.Generic.Dictionary<string, object?>
        {
            ["width"] = 390, ["height"] = 844, ["deviceScaleFactor"] = 1, ["mobile"] = true,
        });
        driver.Navigate().GoToUrl(address + "/");
        Assert.Equal("mini", driver.FindElement(By.CssSelector("#model option")).GetAttribute("value"));
        driver.FindElement(By.Id("file")).SendKeys(png);

        var bars = driver.FindElements(By.CssSelector("#top .bar"));
        var watch = Stopwatch.StartNew();
        while (bars.Count < 5 && watch.Elapsed < TimeSpan.FromSeconds(30))
        {
            Thread.Sleep(100);
            bars = driver.FindElements(By.CssSelector("#top .bar"));
        }

        string status = driver.FindElement(By.Id("status")).Text;
        Assert.True(bars.Count == 5, $"Expected 5 bars, found {bars.Count}; status: '{status}'.");
        string[] labels = bars.Select(b => b.FindElement(By.CssSelector(".name")).Text).ToArray();
        Assert.All(labels, label => Assert.Contains(label, TestServer.MiniLabels));
        Assert.Equal(5, labels.Distinct().Count());
        Assert.Matches(@"^Server \d+\.\d ms · round trip \d+\.\d ms$", status);

        // Phone width: nothing wider than the viewport.
        long scrollWidth = (long)((IJavaScriptExecutor)driver).ExecuteScript("return document.documentElement.scrollWidth;")!;
        long viewport = (long)((IJavaScriptExecutor)driver).ExecuteScript("return window.innerWidth;")!;
        Assert.Equal(390, viewport);
        Assert.True(scrollWidth <= viewport, $"The page is {scrollWidth} px wide in a {viewport} px viewport.");

        string shots = Path.Combine(TestPaths.RepositoryRoot, "Tests", "TestResults", "Serving");
        Directory.CreateDirectory(shots);
        string shot = Path.Combine(shots, "page-top5-390px.png");
        driver.GetScreenshot().SaveAsFile(shot);
        output.WriteLine($"screenshot: {shot}");
        Assert.True(new FileInfo(shot).Length > 1000);
    }
}
