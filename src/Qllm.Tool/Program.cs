System.Console.WriteLine("qllm");
