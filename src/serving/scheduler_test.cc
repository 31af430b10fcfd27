#include "serving/scheduler.h"

#include <future>
#include <thread>

#include "engine/format/test_models.h"
#include "gtest/gtest.h"

namespace berth::serving {
namespace {

using engine::DataType;
using engine::Tensor;

// y = Relu(x + b) over [N, 4], b = {1, -1, 0.5, -3}.
std::shared_ptr<const engine::Model> AddRelu() {
  engine::ModelOptions options;
  options.intra_op_threads = 1;
  auto model = engine::Model::LoadFromBytes(
      engine::testing::Serialize(engine::testing::AddReluModel()), options);
  EXPECT_TRUE(model.ok()) << model.status();
  return *std::move(model);
}

// A job of `rows` rows, row r filled with `first + r`.
InferenceJob Job(int64_t rows, float first, std::promise<JobResult>* result) {
  InferenceJob job;
  Tensor x(DataType::kFloat, {rows, 4});
  for (int64_t r = 0; r < rows; ++r) {
    for (int c = 0; c < 4; ++c) x.data<float>()[r * 4 + c] = first + static_cast<float>(r);
  }
  job.inputs.push_back(std::move(x));
  job.done = [result](JobResult r, const JobTiming&) { result->set_value(std::move(r)); };
  return job;
}

// What AddRelu gives for a job made by Job(rows, first).
void ExpectRows(const JobResult& result, int64_t rows, float first) {
  ASSERT_TRUE(result.ok()) << result.status();
  const Tensor& y = (*result)[0];
  ASSERT_EQ(y.shape(), engine::Shape({rows, 4}));
  const float b[] = {1.f, -1.f, 0.5f, -3.f};
  for (int64_t r = 0; r < rows; ++r) {
    for (int c = 0; c < 4; ++c) {
      EXPECT_EQ(y.data<float>()[r * 4 + c], std::max(0.f, first + r + b[c])) << r << "," << c;
    }
  }
}

TEST(SchedulerTest, RunsJobsOneByOneWithoutBatching) {
  Scheduler s(AddRelu(), "add_relu", SchedulerOptions());
  std::promise<JobResult> a, b;
  ASSERT_TRUE(s.Submit(Job(2, 3.f, &a)).ok());
  ASSERT_TRUE(s.Submit(Job(1, 7.f, &b)).ok());
  ExpectRows(a.get_future().get(), 2, 3.f);
  ExpectRows(b.get_future().get(), 1, 7.f);
  EXPECT_EQ(s.stats().executions, 2);
}

// Eight one-row jobs with a long queue delay: they fill max_batch_size and run as one
// execution at once, and each gets its own rows back.
TEST(SchedulerTest, JoinsJobsUpToTheMaxBatchSize) {
  SchedulerOptions o;
  o.max_batch_size = 8;
  o.dynamic_batching = true;
  o.max_queue_delay_us = 60'000'000;  // never reached: the batch fills first
  Scheduler s(AddRelu(), "add_relu", o);
  std::vector<std::promise<JobResult>> results(8);
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(s.Submit(Job(1, static_cast<float>(i), &results[i])).ok());
  }
  for (int i = 0; i < 8; ++i) ExpectRows(results[i].get_future().get(), 1, static_cast<float>(i));
  EXPECT_EQ(s.stats().jobs_run, 8);
  EXPECT_EQ(s.stats().executions, 1);
}

// Every job of a joined run reports that run's rows and duration; exactly one of them is
// marked first, so that a run is counted once. A job answered without running reports none.
TEST(SchedulerTest, DoneReportsTheJobsTiming) {
  SchedulerOptions o;
  o.max_batch_size = 3;
  o.dynamic_batching = true;
  o.max_queue_delay_us = 60'000'000;  // never reached: the batch fills first
  Scheduler s(AddRelu(), "add_relu", o);
  std::vector<std::promise<JobTiming>> timings(2);
  for (int i = 0; i < 2; ++i) {
    InferenceJob job = Job(i + 1, 0.f, nullptr);  // 1 + 2 rows = max_batch_size
    job.done = [t = &timings[i]](JobResult r, const JobTiming& timing) {
      EXPECT_TRUE(r.ok()) << r.status();
      t->set_value(timing);
    };
    ASSERT_TRUE(s.Submit(std::move(job)).ok());
  }
  const JobTiming a = timings[0].get_future().get(), b = timings[1].get_future().get();
  EXPECT_TRUE(a.ran && b.ran);
  EXPECT_EQ(a.batch_rows, 3);
  EXPECT_EQ(b.batch_rows, 3);
  EXPECT_NE(a.first_in_run, b.first_in_run);
  EXPECT_GT(a.compute_ns, 0);
  EXPECT_EQ(a.compute_ns, b.compute_ns);
  EXPECT_GE(a.queue_ns, 0);

  std::promise<JobTiming> expired;
  InferenceJob late = Job(1, 0.f, nullptr);
  late.deadline = SteadyClock::now();
  late.done = [&](JobResult r, const JobTiming& timing) {
    EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
    expired.set_value(timing);
  };
  Scheduler alone(AddRelu(), "add_relu", SchedulerOptions());
  ASSERT_TRUE(alone.Submit(std::move(late)).ok());
  const JobTiming none = expired.get_future().get();
  EXPECT_FALSE(none.ran);
  EXPECT_EQ(none.batch_rows, 0);
}

TEST(SchedulerTest, APreferredSizeRunsWithoutWaitingAndShapesThatDifferDoNotJoin) {
  SchedulerOptions o;
  o.max_batch_size = 16;
  o.dynamic_batching = true;
  o.max_queue_delay_us = 60'000'000;
  o.preferred_batch_sizes = {3};
  Scheduler s(AddRelu(), "add_relu", o);
  std::promise<JobResult> a, b;
  ASSERT_TRUE(s.Submit(Job(2, 0.f, &a)).ok());
  ASSERT_TRUE(s.Submit(Job(1, 5.f, &b)).ok());
  ExpectRows(a.get_future().get(), 2, 0.f);  // 2 + 1 rows = the preferred 3
  ExpectRows(b.get_future().get(), 1, 5.f);
  EXPECT_EQ(s.stats().executions, 1);

  SchedulerOptions quick = o;
  quick.max_queue_delay_us = 1000;
  quick.preferred_batch_sizes.clear();
  Scheduler t(AddRelu(), "add_relu", quick);
  std::promise<JobResult> c, d;
  InferenceJob odd = Job(1, 0.f, &d);
  odd.inputs[0] = Tensor(DataType::kFloat, {1, 3});  // wrong width: runs alone and fails
  ASSERT_TRUE(t.Submit(Job(1, 2.f, &c)).ok());
  ASSERT_TRUE(t.Submit(std::move(odd)).ok());
  ExpectRows(c.get_future().get(), 1, 2.f);
  JobResult bad = d.get_future().get();
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument) << bad.status();
}

TEST(SchedulerTest, FullQueueExpiredAndCancelledJobs) {
  SchedulerOptions o;
  o.max_queue_size = 2;
  Scheduler s(AddRelu(), "model 'add_relu' version 1", o);
  // Hold the only instance inside a job's done() so that the queue fills behind it.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> holding;
  InferenceJob blocker = Job(1, 0.f, nullptr);
  blocker.done = [&](JobResult, const JobTiming&) {
    holding.set_value();
    released.wait();
  };
  ASSERT_TRUE(s.Submit(std::move(blocker)).ok());
  holding.get_future().wait();
  std::promise<JobResult> expired, cancelled, third;
  InferenceJob late = Job(1, 0.f, &expired);
  late.deadline = SteadyClock::now();  // already due when it reaches an instance
  auto flag = std::make_shared<std::atomic<bool>>(true);
  InferenceJob gone = Job(1, 0.f, &cancelled);
  gone.cancelled = flag;
  ASSERT_TRUE(s.Submit(std::move(late)).ok());
  ASSERT_TRUE(s.Submit(std::move(gone)).ok());
  absl::Status full = s.Submit(Job(1, 0.f, &third));
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(full.message().find("queue of model 'add_relu' version 1 is full"), std::string::npos);
  EXPECT_EQ(s.queue_depth(), 2);
  release.set_value();
  EXPECT_EQ(expired.get_future().get().status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(cancelled.get_future().get().status().code(), absl::StatusCode::kCancelled);
  s.Stop();
  EXPECT_EQ(s.stats().jobs_expired, 1);
  EXPECT_EQ(s.stats().jobs_cancelled, 1);
  EXPECT_EQ(s.Submit(Job(1, 0.f, &third)).code(), absl::StatusCode::kUnavailable);
}

TEST(SchedulerTest, StopRunsWhatIsQueued) {
  SchedulerOptions o;
  o.instances = 2;
  auto s = std::make_unique<Scheduler>(AddRelu(), "add_relu", o);
  std::vector<std::promise<JobResult>> results(20);
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(s->Submit(Job(1, static_cast<float>(i), &results[i])).ok());
  }
  s.reset();  // Stop: every queued job still runs
  for (int i = 0; i < 20; ++i) ExpectRows(results[i].get_future().get(), 1, static_cast<float>(i));
}

// Returns once the instance that answered the last job has finished with it.
void WaitUntilIdle(const Scheduler& s) {
  while (!s.idle()) std::this_thread::yield();
}

// A job whose done() records the thread it ran on.
InferenceJob JobRecordingThread(float first, std::promise<JobResult>* result,
                                std::thread::id* ran_on) {
  InferenceJob job = Job(1, first, result);
  job.done = [result, ran_on](JobResult r, const JobTiming&) {
    *ran_on = std::this_thread::get_id();
    result->set_value(std::move(r));
  };
  return job;
}

// Whether the second of two jobs submitted one after the other ran on the submitting thread.
bool SecondJobRanInline(const SchedulerOptions& o) {
  Scheduler s(AddRelu(), "add_relu", o);
  std::promise<JobResult> first, second;
  std::thread::id first_thread, second_thread;
  EXPECT_TRUE(s.Submit(JobRecordingThread(1.f, &first, &first_thread)).ok());
  ExpectRows(first.get_future().get(), 1, 1.f);
  EXPECT_NE(first_thread, std::this_thread::get_id()) << "a version's first run always queues";
  WaitUntilIdle(s);
  EXPECT_TRUE(s.Submit(JobRecordingThread(2.f, &second, &second_thread)).ok());
  ExpectRows(second.get_future().get(), 1, 2.f);
  EXPECT_EQ(s.stats().executions, 2);
  return second_thread == std::this_thread::get_id();
}

TEST(SchedulerTest, AnIdleFastVersionRunsTheJobOnTheSubmittingThread) {
  SchedulerOptions o;
  o.inline_max_us = 60'000'000;  // any run is fast enough
  EXPECT_TRUE(SecondJobRanInline(o));
}

TEST(SchedulerTest, JobsNeverRunInlineWhenTurnedOffOrBatching) {
  SchedulerOptions off;
  EXPECT_FALSE(SecondJobRanInline(off));
  SchedulerOptions batching;
  batching.inline_max_us = 60'000'000;
  batching.max_batch_size = 4;
  batching.dynamic_batching = true;
  EXPECT_FALSE(SecondJobRanInline(batching));
}

// An inline run takes the version's one instance: a job submitted meanwhile waits for it
// instead of running beside it, then runs on the instance thread.
TEST(SchedulerTest, AnInlineRunCountsAgainstTheInstances) {
  SchedulerOptions o;
  o.inline_max_us = 60'000'000;
  Scheduler s(AddRelu(), "add_relu", o);
  std::promise<JobResult> warm;
  ASSERT_TRUE(s.Submit(Job(1, 0.f, &warm)).ok());
  ExpectRows(warm.get_future().get(), 1, 0.f);
  WaitUntilIdle(s);

  std::promise<void> inline_started, release;
  std::promise<JobResult> held, queued;
  std::thread::id submitter_id;
  std::thread submitter([&] {
    submitter_id = std::this_thread::get_id();
    InferenceJob job = Job(1, 5.f, &held);
    job.done = [&](JobResult r, const JobTiming&) {
      EXPECT_EQ(std::this_thread::get_id(), submitter_id);
      inline_started.set_value();
      release.get_future().wait();
      held.set_value(std::move(r));
    };
    EXPECT_TRUE(s.Submit(std::move(job)).ok());
  });
  inline_started.get_future().wait();
  ASSERT_TRUE(s.Submit(Job(1, 6.f, &queued)).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(s.queue_depth(), 1) << "the queued job ran beside the inline one";
  release.set_value();
  submitter.join();
  ExpectRows(held.get_future().get(), 1, 5.f);
  ExpectRows(queued.get_future().get(), 1, 6.f);
  EXPECT_EQ(s.stats().executions, 3);
}

}  // namespace
}  // namespace berth::serving
