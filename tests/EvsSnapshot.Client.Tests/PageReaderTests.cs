using System.Net;
using EvsSnapshot.Client.Paging;
using EvsSnapshot.Client.Tests.Infrastructure;

namespace EvsSnapshot.Client.Tests;

/// <summary>Offset paging driven by count (or next links), robust to server caps and shifting items.</summary>
public class PageReaderTests
{
    /// <summary>A list of N items served by (offset, limit) with a server-side page cap.</summary>
    private sealed class FakeList
    {
        public List<string> Items { get; }
        public int Cap { get; init; } = int.MaxValue;
        public bool SendCount { get; init; } = true;
        public List<(int Offset, int Limit)> Calls { get; } = new();

        public FakeList(int n) { Items = Enumerable.Range(0, n).Select(i => "item-" + i.ToString("D5")).ToList(); }

        public Task<Page<string>> Fetch(int offset, int limit)
        {
            lock (Calls) Calls.Add((offset, limit));
            var page = Items.Skip(offset).Take(Math.Min(limit, Cap)).ToList();
            bool more = offset + page.Count < Items.Count;
            return Task.FromResult(new Page<string>(page, SendCount ? Items.Count : null, !SendCount && more));
        }
    }

    private static async Task<List<string>> ReadAll<T>(PageReader<T> reader, Func<T, string> key)
    {
        var all = new List<string>();
        while (await reader.NextAsync() is { } page) all.AddRange(page.Select(key));
        return all;
    }

    [Fact]
    public async Task CountDriven_ServerCapBelowLimit_VisitsEveryItemOnce()
    {
        var list = new FakeList(2500) { Cap = 100 };
        var reader = new PageReader<string>(list.Fetch, s => s, 0, 1000, null);

        var all = await ReadAll(reader, s => s);

        Assert.Equal(list.Items, all);
        Assert.Equal(25, list.Calls.Count);
        Assert.All(list.Calls, c => Assert.Equal(1000, c.Limit));
        Assert.Equal(Enumerable.Range(0, 25).Select(i => i * 100), list.Calls.Select(c => c.Offset));
        Assert.Equal(2500, reader.TotalCount);
        Assert.Equal(25, reader.PagesFetched);
    }

    [Fact]
    public async Task NoCount_FollowsNextLinks()
    {
        var list = new FakeList(250) { Cap = 100, SendCount = false };
        var reader = new PageReader<string>(list.Fetch, s => s, 0, 100, null);
        Assert.Equal(list.Items, await ReadAll(reader, s => s));
        Assert.Equal(3, list.Calls.Count);
        Assert.Null(reader.TotalCount);
    }

    [Fact]
    public async Task NoCountAndNoLink_StopsAfterOnePage_EvenIfFull()
    {
        var calls = 0;
        var reader = new PageReader<string>((o, l) =>
        {
            calls++;
            return Task.FromResult(new Page<string>(new List<string> { "a", "b" }, null, false));
        }, s => s, 0, 2, null);
        Assert.Equal(new[] { "a", "b" }, await ReadAll(reader, s => s));
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task EmptyPage_EndsEvenIfCountSaysMore()
    {
        var calls = new List<int>();
        var reader = new PageReader<string>((o, l) =>
        {
            calls.Add(o);
            var items = o == 0 ? new List<string> { "a", "b" } : new List<string>();
            return Task.FromResult(new Page<string>(items, 10, true));
        }, s => s, 0, 2, null);

        Assert.Equal(new[] { "a", "b" }, await ReadAll(reader, s => s));
        Assert.Equal(new[] { 0, 2 }, calls);
    }

    [Fact]
    public async Task MaxItems_LimitsTheRequestsLimitAndTheResult()
    {
        var list = new FakeList(100);
        var reader = new PageReader<string>(list.Fetch, s => s, 0, 1000, maxItems: 5);
        Assert.Equal(list.Items.Take(5), await ReadAll(reader, s => s));
        var call = Assert.Single(list.Calls);
        Assert.Equal(5, call.Limit);
    }

    [Fact]
    public async Task MaxItems_AcrossCappedPages_AsksOnlyForWhatIsLeft()
    {
        var list = new FakeList(100) { Cap = 3 };
        var reader = new PageReader<string>(list.Fetch, s => s, 0, 1000, maxItems: 7);
        Assert.Equal(list.Items.Take(7), await ReadAll(reader, s => s));
        Assert.Equal(new[] { (0, 7), (3, 4), (6, 1) }, list.Calls);
    }

    [Fact]
    public async Task MaxItemsZero_FetchesNothing()
    {
        var list = new FakeList(10);
        var reader = new PageReader<string>(list.Fetch, s => s, 0, 10, maxItems: 0);
        Assert.Null(await reader.NextAsync());
        Assert.Empty(list.Calls);
    }

    [Fact]
    public async Task StartOffset_IsHonoured()
    {
        var list = new FakeList(10) { Cap = 4 };
        var reader = new PageReader<string>(list.Fetch, s => s, 6, 4, null);
        Assert.Equal(list.Items.Skip(6), await ReadAll(reader, s => s));
        Assert.Equal(6, list.Calls[0].Offset);
    }

    [Fact]
    public async Task NothingIsFetchedBeforeItIsNeeded()
    {
        var list = new FakeList(10) { Cap = 2 };
        var reader = new PageReader<string>(list.Fetch, s => s, 0, 2, null);
        Assert.Empty(list.Calls);
        await reader.NextAsync();
        Assert.Single(list.Calls);
    }

    [Fact]
    public async Task Prefetch_StartsExactlyOneFetchEarly_AndItIsUsed()
    {
        var gates = new List<TaskCompletionSource<Page<string>>>();
        var offsets = new List<int>();
        var reader = new PageReader<string>((o, l) =>
        {
            offsets.Add(o);
            var tcs = new TaskCompletionSource<Page<string>>();
            gates.Add(tcs);
            return tcs.Task;
        }, s => s, 0, 2, null);

        var first = reader.NextAsync();
        gates[0].SetResult(new Page<string>(new List<string> { "a", "b" }, 6, false));
        Assert.Equal(new[] { "a", "b" }, await first);

        reader.Prefetch();
        reader.Prefetch(); // already on its way: no second fetch
        Assert.Equal(new[] { 0, 2 }, offsets);

        var second = reader.NextAsync();
        Assert.Equal(2, offsets.Count); // NextAsync used the prefetched page
        gates[1].SetResult(new Page<string>(new List<string> { "c", "d" }, 6, false));
        Assert.Equal(new[] { "c", "d" }, await second);
    }

    [Fact]
    public async Task Prefetch_AfterTheLastPage_FetchesNothing()
    {
        var list = new FakeList(2);
        var reader = new PageReader<string>(list.Fetch, s => s, 0, 10, null);
        await reader.NextAsync();
        reader.Prefetch();
        Assert.Single(list.Calls);
        Assert.Null(await reader.NextAsync());
    }

    [Fact]
    public async Task ShiftedDuplicates_AreDropped()
    {
        // A snapshot is created at the front while we read: the old "c" moves onto page 2.
        var pages = new Dictionary<int, List<string>>
        {
            [0] = new() { "a", "b", "c" },
            [3] = new() { "c", "d", "e" },
            [6] = new() { "f" },
        };
        var reader = new PageReader<string>((o, l) => Task.FromResult(new Page<string>(pages[o], 7, false)), s => s, 0, 3, null);
        Assert.Equal(new[] { "a", "b", "c", "d", "e", "f" }, await ReadAll(reader, s => s));
    }

    [Fact]
    public async Task PageOfOnlyDuplicates_StopsTheListing_ItCouldBeAServerRepeatingItself()
    {
        // Issue 12: a page with nothing new is how an endless server looks, so the listing stops there
        // (PagingStalled) instead of reading on; a real shift that large would need a page size of deletes.
        var pages = new Dictionary<int, List<string>>
        {
            [0] = new() { "a", "b" },
            [2] = new() { "b", "b" },
            [4] = new() { "c" },
        };
        var reader = new PageReader<string>((o, l) => Task.FromResult(new Page<string>(pages[o], 5, false)), s => s, 0, 2, null);
        var ex = await Assert.ThrowsAsync<EvsException>(() => ReadAll(reader, s => s));
        Assert.Equal("PagingStalled", ex.ErrorId);
        Assert.Contains("offset 2", ex.Message);
    }

    [Fact]
    public async Task WithTheApi_ListsEverySnapshotDespiteAServerCap()
    {
        var all = Enumerable.Range(0, 23).Select(_ => Wire.Snapshot(Ids.NewUuid())).ToList();
        var handler = new FakeHandler
        {
            Fallback = (r, _) =>
            {
                int offset = int.Parse(r.Query("offset")!), limit = int.Parse(r.Query("limit")!);
                return Task.FromResult(Wire.Ok(Wire.List(all.Skip(offset).Take(Math.Min(limit, 10)), count: all.Count)));
            },
        };
        using var ctx = await Contexts.AkSkAsync(handler);
        var query = new SnapshotQuery { VolumeId = Ids.Volume };
        var reader = new PageReader<SnapshotDetails>((o, l) => ctx.Api.ListSnapshotsAsync(query, o, l, Contexts.Call()), s => s.Id, 0, 1000, null);

        var ids = await ReadAll(reader, s => s.Id);

        Assert.Equal(all.Select(s => (string)s["id"]!), ids);
        Assert.Equal(3, handler.Count);
        Assert.All(handler.Requests, r => Assert.Equal(Ids.Volume, r.Query("volume_id")));
    }
}
