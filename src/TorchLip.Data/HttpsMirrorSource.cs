using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Http;
using System.Threading;

namespace TorchLip.Data;

/// <summary>Fetches <c>NAME.gz</c> from an HTTPS mirror of the MNIST distribution.</summary>
public sealed class HttpsMirrorSource : IMnistSource
{
    /// <summary>The usual public mirrors, in the order torchvision tries them.</summary>
    public static IReadOnlyList<string> DefaultMirrors { get; } = new[]
    {
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    };

    // Timeouts are enforced per request with cancellation tokens, so one shared client serves every instance.
    private static readonly HttpClient Client = new(new SocketsHttpHandler()) { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>Creates a source for one mirror.</summary>
    /// <param name="baseUrl">The mirror's folder URL; a missing trailing slash is added.</param>
    /// <param name="requestTimeout">Limit for connecting and receiving the response headers (default 15 s).</param>
    /// <param name="transferTimeout">Limit for the whole request including the body (default 5 min).</param>
    public HttpsMirrorSource(string baseUrl, TimeSpan? requestTimeout = null, TimeSpan? transferTimeout = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(baseUrl);
        BaseUrl = baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/";
        RequestTimeout = requestTimeout ?? TimeSpan.FromSeconds(15);
        TransferTimeout = transferTimeout ?? TimeSpan.FromMinutes(5);
    }

    /// <summary>The mirror's folder URL, ending with a slash.</summary>
    public string BaseUrl { get; }

    /// <summary>Limit for connecting and receiving the response headers.</summary>
    public TimeSpan RequestTimeout { get; }

    /// <summary>Limit for the whole request including the body.</summary>
    public TimeSpan TransferTimeout { get; }

    /// <inheritdoc />
    public string Describe() => $"HTTPS mirror {BaseUrl}";

    /// <inheritdoc />
    public bool TryFetch(string fileName, string destinationPath, out string error)
    {
        var url = BaseUrl + fileName + ".gz";
        using var cts = new CancellationTokenSource(RequestTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            using var response = Client.Send(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
            if (!response.IsSuccessStatusCode)
            {
                error = $"GET {url}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
                return false;
            }
            cts.CancelAfter(TransferTimeout);
            // Reads of a response body ignore the token once the headers are in; disposing the response aborts them.
            using var abort = cts.Token.Register(response.Dispose);
            using var body = response.Content.ReadAsStream(cts.Token);
            using var output = new FileStream(destinationPath, FileMode.CreateNew, FileAccess.Write);
            body.CopyTo(output);
            error = "";
            return true;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            error = cts.IsCancellationRequested ? $"GET {url}: timed out" : $"GET {url}: {e.Message}";
            return false;
        }
    }
}
