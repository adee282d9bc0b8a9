using System.Net;
using EvsSnapshot.Client.Operations;
using EvsSnapshot.Client.Rules;
using EvsSnapshot.Client.Tests.Infrastructure;
using EvsSnapshot.Validation;

namespace EvsSnapshot.Client.Tests;

/// <summary>-ClientToken in the client: what a batch costs in list requests, and what is reused or created.</summary>
public class RunTokenLookupTests
{
    private const string DiskA = "aaaaaaaa-0000-4000-8000-000000000001";
    private const string DiskB = "bbbbbbbb-0000-4000-8000-000000000002";
    private const string Token = "nightly-20261202";

    private static Dictionary<string, object?> Made(string id, string disk, string status = "available") =>
        Wire.Snapshot(id, status, disk, new Dictionary<string, string> { [InputValidator.RunTokenMetadataKey] = RunTokenRule.MetadataValue(Token, disk) });

    private static bool IsList(RecordedRequest r) => r.Method == HttpMethod.Get && r.Uri.AbsolutePath.EndsWith("/cloudsnapshots/detail", StringComparison.Ordinal);

    [Fact]
    public async Task AProjectInOnePage_AnswersTheWholeBatch_WithOneListRequest()
    {
        var existing = Made(Ids.NewUuid(), DiskA);
        var handler = new FakeHandler()
            .Then(HttpStatusCode.OK, Wire.List(new[] { existing, Wire.Snapshot(Ids.NewUuid(), volumeId: DiskB) }, count: 2))
            .Then(_ => Wire.Created(Ids.NewUuid()));
        using var client = await Contexts.AkSkAsync(handler);
        var lookup = client.Snapshots.RunTokenLookup(Token);

        var a = await client.Snapshots.CreateOrFindAsync(new CreateSnapshotSpec { VolumeId = DiskA }, lookup, Contexts.Call());
        var b = await client.Snapshots.CreateOrFindAsync(new CreateSnapshotSpec { VolumeId = DiskB }, lookup, Contexts.Call());

        Assert.True(a.Found);
        Assert.Equal((string)existing["id"]!, a.Snapshot.Id);
        Assert.False(b.Found);
        Assert.Single(handler.Requests, IsList);
        Assert.Equal(1, lookup.Requests);
        var post = Assert.Single(handler.Requests, r => r.Method == HttpMethod.Post);
        Assert.Contains($"\"{InputValidator.RunTokenMetadataKey}\":\"{RunTokenRule.MetadataValue(Token, DiskB)}\"", post.BodyText);
    }

    [Fact]
    public async Task ALargerProject_ListsTheDisksTheNewestPageDoesNotAnswer_OneRequestEach()
    {
        var inNewest = Made(Ids.NewUuid(), DiskA);
        var handler = new FakeHandler()
            .Then(HttpStatusCode.OK, Wire.List(new[] { inNewest }, count: 1500))          // the project's newest page: 1 of 1500
            .Then(HttpStatusCode.OK, Wire.List(new[] { Made(Ids.NewUuid(), DiskB, "error") }, count: 1)) // disk B's own listing
            .Then(_ => Wire.Created(Ids.NewUuid()));
        using var client = await Contexts.AkSkAsync(handler);
        var lookup = client.Snapshots.RunTokenLookup(Token);

        Assert.True((await client.Snapshots.CreateOrFindAsync(new CreateSnapshotSpec { VolumeId = DiskA }, lookup, Contexts.Call())).Found);
        Assert.False((await client.Snapshots.CreateOrFindAsync(new CreateSnapshotSpec { VolumeId = DiskB }, lookup, Contexts.Call())).Found);

        var lists = handler.Requests.Where(IsList).ToList();
        Assert.Equal(2, lists.Count);
        Assert.Null(lists[0].Query("volume_id"));
        Assert.Equal(DiskB, lists[1].Query("volume_id"));
        Assert.Single(handler.Requests, r => r.Method == HttpMethod.Post); // the error snapshot of B is not reused
    }

    [Fact]
    public async Task AFailedNewestPage_FailsTheDisk_AndCreatesNothing_TheNextDiskTriesAgain()
    {
        var handler = new FakeHandler()
            .Then(HttpStatusCode.Forbidden, Respond.Error("EVS.5403", "Policy check failed."))
            .Then(HttpStatusCode.OK, Wire.List(Array.Empty<Dictionary<string, object?>>(), count: 0))
            .Then(_ => Wire.Created(Ids.NewUuid()));
        using var client = await Contexts.AkSkAsync(handler);
        var lookup = client.Snapshots.RunTokenLookup(Token);
        await Assert.ThrowsAnyAsync<EvsException>(() => client.Snapshots.CreateOrFindAsync(new CreateSnapshotSpec { VolumeId = DiskA }, lookup, Contexts.Call()));
        Assert.DoesNotContain(handler.Requests, r => r.Method == HttpMethod.Post);
        Assert.False((await client.Snapshots.CreateOrFindAsync(new CreateSnapshotSpec { VolumeId = DiskB }, lookup, Contexts.Call())).Found);
        Assert.Equal(2, handler.Requests.Count(IsList));
    }

    [Fact]
    public async Task WithoutAToken_NoLookupAndNoRunTokenMetadata()
    {
        var handler = new FakeHandler().Then(_ => Wire.Created(Ids.NewUuid()));
        using var client = await Contexts.AkSkAsync(handler);
        var made = await client.Snapshots.CreateOrFindAsync(new CreateSnapshotSpec { VolumeId = DiskA }, null, Contexts.Call());
        Assert.False(made.Found);
        var only = Assert.Single(handler.Requests);
        Assert.DoesNotContain(InputValidator.RunTokenMetadataKey, only.BodyText);
    }
}
