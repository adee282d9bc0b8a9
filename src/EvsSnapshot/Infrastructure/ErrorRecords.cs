using System;
using System.Management.Automation;

namespace EvsSnapshot.Commands
{
    /// <summary>Client exceptions → ErrorRecords with a stable ErrorId, the right category and a target.</summary>
    internal static class ErrorRecords
    {
        public static ErrorRecord From(Exception exception, object? target, string? notFoundErrorId = null)
        {
            if (exception is AggregateException aggregate && aggregate.InnerExceptions.Count == 1) exception = aggregate.InnerException!;
            if (exception is EvsException evs)
            {
                string errorId = evs.Kind == EvsErrorKind.NotFound && notFoundErrorId != null && evs.ErrorId == "ResourceNotFound"
                    ? notFoundErrorId
                    : evs.ErrorId;
                var record = new ErrorRecord(evs, errorId, Category(evs.Kind), evs.Target ?? target);
                // What the console shows is made safe here, whatever a server put into the message (names,
                // statuses, ids); the exception keeps the text as it was built.
                string message = DisplayText.Safe(evs.Message);
                string? advice = ErrorAdvice.RecommendedAction(evs);
                if (advice != null)
                {
                    advice = DisplayText.Safe(advice);
                    string shown = ErrorAdvice.ShownWithMessage(evs) ? message + " " + advice : message;
                    record.ErrorDetails = new ErrorDetails(shown) { RecommendedAction = advice };
                }
                else if (!ReferenceEquals(message, evs.Message))
                {
                    record.ErrorDetails = new ErrorDetails(message);
                }
                return record;
            }
            if (exception is OperationCanceledException)
            {
                return new ErrorRecord(exception, "OperationCancelled", ErrorCategory.OperationStopped, target);
            }
            // Anything else is a bug in the module: still an error record, never a crash of the pipeline.
            return new ErrorRecord(exception, "UnexpectedError", ErrorCategory.NotSpecified, target);
        }

        public static ErrorCategory Category(EvsErrorKind kind)
        {
            switch (kind)
            {
                case EvsErrorKind.InvalidArgument: return ErrorCategory.InvalidArgument;
                case EvsErrorKind.NotFound: return ErrorCategory.ObjectNotFound;
                case EvsErrorKind.InvalidState: return ErrorCategory.InvalidOperation;
                case EvsErrorKind.Authentication: return ErrorCategory.AuthenticationError;
                case EvsErrorKind.PermissionDenied: return ErrorCategory.PermissionDenied;
                case EvsErrorKind.Throttled: return ErrorCategory.LimitsExceeded;
                case EvsErrorKind.QuotaExceeded: return ErrorCategory.QuotaExceeded;
                case EvsErrorKind.ServiceUnavailable: return ErrorCategory.ResourceUnavailable;
                case EvsErrorKind.ServerError: return ErrorCategory.InvalidResult;
                case EvsErrorKind.BadRequest: return ErrorCategory.InvalidArgument;
                case EvsErrorKind.Network: return ErrorCategory.ConnectionError;
                case EvsErrorKind.Timeout: return ErrorCategory.OperationTimeout;
                case EvsErrorKind.MalformedResponse: return ErrorCategory.ProtocolError;
                case EvsErrorKind.OutcomeUnknown: return ErrorCategory.InvalidResult;
                case EvsErrorKind.WaitFailed: return ErrorCategory.InvalidResult;
                case EvsErrorKind.WaitTimeout: return ErrorCategory.OperationTimeout;
                default: return ErrorCategory.NotSpecified;
            }
        }
    }
}
