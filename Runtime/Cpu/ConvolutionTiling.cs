using System;

namespace Xception.Compiler.Runtime.Cpu;

/// <summary>How a convolution step's output pixels and panels are cut into parallel tasks.</summary>
internal static class ConvolutionTiling
{
    /// <summary>
    /// An A tile (pixels × K floats) is kept under this many floats (768 KB) so it stays in L2 (1 MB per core
    /// here) while every panel passes over it. Larger tiles mean fewer passes over the weights: at batch 1 a
    /// 19×19×728 step becomes one tile per core (the gain over smaller tiles is in Benchmarks/RESULTS.md).
    /// </summary>
    public const int TileBudgetFloats = 192 * 1024;

    /// <summary>
    /// Pixels per tile (a multiple of the micro-tile), tiles, and panel groups: tiles as large as the L2
    /// budget allows, their count a multiple of the threads; when there are fewer pixels than that
    /// gives every thread, the output panels are split instead.
    /// </summary>
    public static (int Tile, int Tiles, int Groups) Plan(int pixels, int lda, int panels, int threads)
    {
        int maxTile = Math.Clamp(TileBudgetFloats / lda / Gemm.Rows * Gemm.Rows, Gemm.Rows, 256);
        int tiles = (pixels + maxTile - 1) / maxTile;
        int groups = 1;
        if (threads > 1)
        {
            if (tiles < threads && panels >= threads)
            {
                groups = threads;
            }
            else
            {
                tiles = ChannelMath.RoundUp(tiles, threads);

                // Few micro-tiles that do not divide among the threads (100 pixels = 13 micro-tiles): one
                // thread would run a whole micro-tile row of every panel more; splitting the panels as well
                // evens that out, for the price of building each A tile once per group.
                int microTiles = (pixels + Gemm.Rows - 1) / Gemm.Rows;
                if (microTiles % threads != 0 && microTiles < 16 * threads && panels >= threads)
                {
                    groups = threads;
                }
            }
        }

        int tile = ChannelMath.RoundUp((pixels + tiles - 1) / tiles, Gemm.Rows);
        tiles = (pixels + tile - 1) / tile;
        return (tile, tiles, groups);
    }
}
