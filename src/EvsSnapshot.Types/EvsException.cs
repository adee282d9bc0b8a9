using System;
using System.Collections.Generic;

namespace EvsSnapshot
{
    /// <summary>What went wrong, in terms a runbook can branch on. Cmdlets map it to an ErrorCategory.</summary>
    public enum EvsErrorKind
    {
        InvalidArgument,
        NotFound,
        InvalidState,
        Authentication,
        PermissionDenied,
        Throttled,
        QuotaExceeded,
        ServiceUnavailable,
        ServerError,
        BadRequest,
        Network,
        Timeout,
        MalformedResponse,
        OutcomeUnknown,
        WaitFailed,
        WaitTimeout,
    }

    /// <summary>
    /// What the user can do about an error, as an idea rather than words: the client knows the situation, the
    /// cmdlet layer knows the cmdlets and parameters and turns the advice into a RecommendedAction.
    /// </summary>
    public enum EvsAdvice
    {
        None,
        SynchronizeClock,
        RenewStaticToken,
        CheckAccessKeys,
        CheckToken,
        CheckPassword,
        RequestPermission,
        SlowDown,
        RetryLater,
        FreeQuota,
        WaitForSnapshot,
        FindCreatedSnapshot,
        CheckSnapshotState,
        CheckVolumeState,
        RecreateSnapshot,
        ContactSupport,
        WaitLonger,
        RetryRollback,
        UseBackupService,
        DetachVolume,
        WaitForVolume,
        ChooseProject,
        TrustCertificate,

        /// <summary>A name was passed where an id is expected: the cmdlet has a name parameter for it (facts: Name).</summary>
        UseNameParameter,

        /// <summary>A rollback is running (facts: SnapshotId when known, VolumeId).</summary>
        WaitForRollback,

        /// <summary>The region is not one the module knows (facts: Region, Suggestion when one is close).</summary>
        UseKnownRegion,
        ProvideCredentials,
        FixCredentialsFile,
        AttachEcsAgency,
        CheckMetadataService,
        CheckIdToken,
        CheckAgency,

        /// <summary>A disk create from a snapshot may have happened (facts: SnapshotId, ClientToken).</summary>
        FindCreatedVolume,
    }

    /// <summary>Base of every error the client raises. <see cref="ErrorId"/> is stable and becomes the ErrorRecord's id.</summary>
    public class EvsException : Exception
    {
        public EvsException(EvsErrorKind kind, string errorId, string message, Exception? inner = null)
            : base(message, inner)
        {
            Kind = kind;
            ErrorId = errorId;
        }

        public EvsErrorKind Kind { get; }
        public string ErrorId { get; }

        /// <summary>What the error is about (a snapshot or volume id, a name); becomes the ErrorRecord's TargetObject.</summary>
        public object? Target { get; set; }

        /// <summary>What the user can do about it; the cmdlet layer words it as the ErrorRecord's RecommendedAction.</summary>
        public EvsAdvice Advice { get; set; }

        /// <summary>The facts the advice refers to (ids, tokens, statuses), by name. Never secrets.</summary>
        public IDictionary<string, string> Facts { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

        /// <summary>Sets the advice and its facts; returns this exception, for use in throw expressions.</summary>
        public EvsException Advise(EvsAdvice advice, params (string name, string? value)[] facts)
        {
            Advice = advice;
            foreach (var (name, value) in facts)
            {
                if (value != null) Facts[name] = value;
            }
            return this;
        }

        /// <summary>A fact by name, or null.</summary>
        public string? Fact(string name) => Facts.TryGetValue(name, out var value) ? value : null;
    }

    /// <summary>Input that was refused before any request was sent.</summary>
    public sealed class EvsValidationException : EvsException
    {
        public EvsValidationException(string errorId, string parameterName, string message, object? target = null)
            : base(EvsErrorKind.InvalidArgument, errorId, message)
        {
            ParameterName = parameterName;
            Target = target;
        }

        public string ParameterName { get; }
    }

    /// <summary>An error answer from the EVS service, the API gateway or IAM.</summary>
    public sealed class EvsApiException : EvsException
    {
        internal EvsApiException(EvsErrorKind kind, string errorId, string message, int statusCode, string? errorCode,
            string? apiMessage, string? requestId, string method, string path)
            : base(kind, errorId, message)
        {
            StatusCode = statusCode;
            ErrorCode = errorCode;
            ApiMessage = apiMessage;
            RequestId = requestId;
            Method = method;
            Path = path;
        }

        /// <summary>HTTP status code.</summary>
        public int StatusCode { get; }

        /// <summary>EVS or gateway error code, e.g. <c>EVS.1047</c>, <c>APIGW.0308</c>.</summary>
        public string? ErrorCode { get; }

        /// <summary>The service's own message (secrets scrubbed).</summary>
        public string? ApiMessage { get; }

        /// <summary>The <c>X-Request-Id</c> of the failed call, for Huawei support.</summary>
        public string? RequestId { get; }

        public string Method { get; }
        public string Path { get; }
    }

    /// <summary>A failure with no usable HTTP answer: connection refused or reset, timeout, malformed body.</summary>
    public sealed class EvsTransportException : EvsException
    {
        internal EvsTransportException(EvsErrorKind kind, string errorId, string message, string method, string path, Exception? inner = null)
            : base(kind, errorId, message, inner)
        {
            Method = method;
            Path = path;
        }

        public string Method { get; }
        public string Path { get; }
    }
}
